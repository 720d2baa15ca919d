// The io_uring loop's file operations, for the append-only file: a write at an offset with an
// fdatasync linked after it (IOSQE_IO_LINK), or an fdatasync alone. Each operation lives in a
// small table indexed by user_data's slot field and checked by generation, like connections, and
// is released only once the kernel owes it no completion.
#include <errno.h>

#include "io/uring_loop.h"

namespace keel::io {

namespace {

// The kernel caps one write at MAX_RW_COUNT (INT_MAX rounded down to a page); a longer request
// is submitted in part and reported as a short write, as a write(2) would be.
constexpr size_t kMaxWrite = 0x7ffff000;

// Transient results that are resubmitted instead of reported. A regular file without RWF_NOWAIT
// does not produce them, so the bound only keeps a misbehaving file from spinning the loop.
constexpr unsigned kMaxRetries = 1000;

bool Transient(int64_t res) { return res == -EAGAIN || res == -EINTR; }

uint64_t EncodeFile(uint8_t op, uint32_t index, uint32_t generation) {
  return (static_cast<uint64_t>(op) << 56) |
         (static_cast<uint64_t>(generation & internal::kGenerationMask) << 32) | index;
}

}  // namespace

uint32_t UringLoop::AcquireFileOp() {
  uint32_t index;
  if (!free_file_ops_.empty()) {
    index = free_file_ops_.back();
    free_file_ops_.pop_back();
  } else {
    index = static_cast<uint32_t>(file_ops_.size());
    file_ops_.push_back(std::make_unique<FileOp>());
  }
  FileOp* op = file_ops_[index].get();
  op->generation = internal::NextGeneration(op->generation);
  op->in_use = true;
  op->linked = op->syncing = false;
  op->pending = 0;
  op->retries = 0;
  op->write_res = 0;
  op->sync_res = 1;
  ++file_ops_active_;
  return index;
}

void UringLoop::SubmitFileWrite(int fd, uint64_t offset, const char* data, size_t len, bool sync,
                                std::function<void(int64_t write_res, int sync_res)> done) {
  uint32_t index = AcquireFileOp();
  FileOp* op = file_ops_[index].get();
  op->is_write = true;
  op->sync = sync;
  op->fd = fd;
  op->offset = offset;
  op->data = data;
  op->len = len;
  op->write_done = std::move(done);
  SubmitFileRound(op, index);
}

void UringLoop::SubmitFileSync(int fd, std::function<void(int res)> done) {
  uint32_t index = AcquireFileOp();
  FileOp* op = file_ops_[index].get();
  op->is_write = false;
  op->sync = true;
  op->syncing = true;
  op->fd = fd;
  op->sync_done = std::move(done);
  SubmitFileRound(op, index);
}

// Prepares the op's next round. The SQEs go out with the iteration's io_uring_enter (or earlier,
// when the submission queue fills up), so an op submitted in before-sleep starts before the loop
// sleeps.
void UringLoop::SubmitFileRound(FileOp* op, uint32_t index) {
  bool write = !op->syncing;
  op->linked = write && op->sync && op->len <= kMaxWrite;
  unsigned need = write ? (op->linked ? 2u : 1u) : 1u;
  // A linked pair must reach the kernel in one submission: a link cut at the end of a batch
  // would let the fsync run before the write.
  if (io_uring_sq_space_left(&ring_) < need) (void)io_uring_submit(&ring_);
  if (io_uring_sq_space_left(&ring_) < need) {
    // The loop is failing (GetSqe reports it through Run()); the op can never complete.
    if (fatal_.ok()) {
      fatal_ = Status::IoError("io_uring submission queue stays full for a file operation", EBUSY);
    }
    return;
  }
  if (write) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    size_t n = op->len < kMaxWrite ? op->len : kMaxWrite;
    io_uring_prep_write(sqe, op->fd, op->data, static_cast<unsigned>(n), op->offset);
    io_uring_sqe_set_data64(sqe, EncodeFile(kOpFileWrite, index, op->generation));
    ++stats_.file_writes;
    if (op->linked) sqe->flags |= IOSQE_IO_LINK;
  }
  if (!write || op->linked) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    io_uring_prep_fsync(sqe, op->fd, IORING_FSYNC_DATASYNC);
    io_uring_sqe_set_data64(sqe, EncodeFile(kOpFileSync, index, op->generation));
    ++stats_.file_syncs;
  }
  op->pending = need;
  file_cqes_pending_ += need;
}

// The two CQEs of a linked round may arrive in either order and in different iterations; the
// round is judged only once both are in.
void UringLoop::OnFileCqe(uint8_t op_code, uint32_t index, uint32_t generation, int res) {
  if (index >= file_ops_.size()) {
    ++stats_.stale_cqes;
    return;
  }
  FileOp* op = file_ops_[index].get();
  if (!op->in_use || op->generation != (generation & internal::kGenerationMask) ||
      op->pending == 0) {
    ++stats_.stale_cqes;
    return;
  }
  --file_cqes_pending_;
  if (simulated_retries_ > 0 && (op_code == kOpFileSync || !simulated_syncs_only_)) {
    --simulated_retries_;
    res = -simulated_retry_err_;
  }
  if (op_code == kOpFileWrite) {
    op->write_res = res;
  } else {
    op->sync_res = res;
  }
  if (--op->pending > 0) return;

  if (!op->syncing) {
    // A write round. A transient write error cancelled the linked fsync too: repeat both.
    if (Transient(op->write_res) && op->retries < kMaxRetries) {
      ++op->retries;
      ++stats_.file_retries;
      op->sync_res = 1;
      SubmitFileRound(op, index);
      return;
    }
    if (op->linked && op->write_res == static_cast<int64_t>(op->len) && Transient(op->sync_res) &&
        op->retries < kMaxRetries) {
      // The write is done; only the fsync is repeated.
      ++op->retries;
      ++stats_.file_retries;
      op->syncing = true;
      SubmitFileRound(op, index);
      return;
    }
    // A write longer than one request could take ran without its fsync.
    if (op->sync && !op->linked) op->sync_res = -ECANCELED;
  } else if (Transient(op->sync_res) && op->retries < kMaxRetries) {
    ++op->retries;
    ++stats_.file_retries;
    SubmitFileRound(op, index);
    return;
  }
  FinishFileOp(op, index);
}

// Frees the op before calling `done`, which may submit the next operation into the same entry.
void UringLoop::FinishFileOp(FileOp* op, uint32_t index) {
  int64_t write_res = op->write_res;
  int sync_res = op->sync_res;
  auto write_done = std::move(op->write_done);
  auto sync_done = std::move(op->sync_done);
  bool is_write = op->is_write;
  op->write_done = nullptr;
  op->sync_done = nullptr;
  op->data = nullptr;
  op->in_use = false;
  free_file_ops_.push_back(index);
  --file_ops_active_;
  if (is_write) {
    write_done(write_res, sync_res);
  } else {
    sync_done(sync_res);
  }
}

// Teardown: the kernel may still read the callers' bytes (and write the ops' results), so wait
// for every file completion it owes before the ring goes away. The ops' `done` callbacks are
// dropped unrun: their owners may already be gone. Other completions are discarded.
void UringLoop::WaitForFileOps() {
  if (file_cqes_pending_ == 0) return;
  (void)io_uring_submit(&ring_);
  while (file_cqes_pending_ > 0) {
    io_uring_cqe* cqe = nullptr;
    int rc = io_uring_wait_cqe(&ring_, &cqe);
    if (rc == -EINTR || rc == -EAGAIN || rc == -EBUSY || rc == -ETIME) continue;
    if (rc < 0) return;  // the ring itself is broken: nothing more will arrive
    unsigned head;
    unsigned count = 0;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      uint8_t code = static_cast<uint8_t>(cqe->user_data >> 56);
      uint32_t index = static_cast<uint32_t>(cqe->user_data);
      if ((code == kOpFileWrite || code == kOpFileSync) && index < file_ops_.size() &&
          file_ops_[index]->pending > 0) {
        --file_ops_[index]->pending;
        --file_cqes_pending_;
      }
      ++count;
    }
    io_uring_cq_advance(&ring_, count);
  }
}

}  // namespace keel::io
