// Client connections: request parsing straight from the receive buffer, command execution, and
// double-buffered output so replies can keep accumulating while a send is in flight.
#include "server/client.h"

#include <cstring>

#include "server/aof.h"
#include "server/log.h"
#include "server/server.h"

namespace keel::server {

namespace {
// Buffers larger than this are released after use rather than kept for the next request.
constexpr size_t kMaxIdleBuffer = 64 * 1024;
}  // namespace

Client::Client(Server* server, uint64_t id, int fd, const io::PeerAddress& peer, std::string laddr)
    : server_(server),
      id_(id),
      fd_(fd),
      peer_(peer),
      laddr_(std::move(laddr)),
      ctime_ms_(server->clock().NowMs()),
      last_interaction_ms_(ctime_ms_),
      reply_(&fill_) {
  if (peer.is_unix) {
    addr_ = "/unixsocket:0";
  } else if (std::strchr(peer.ip, ':') != nullptr) {
    addr_ = std::string("[") + peer.ip + "]:" + std::to_string(peer.port);
  } else {
    addr_ = std::string(peer.ip) + ":" + std::to_string(peer.port);
  }
  SetAuthenticated(!server->AuthRequired(*this));
}

Client::~Client() = default;

void Client::SetAuthenticated(bool yes) {
  authenticated_ = yes;
  formats::RequestLimits limits;
  limits.proto_max_bulk_len = server_->config().proto_max_bulk_len;
  limits.authenticated = yes;
  parser_.set_limits(limits);
}

void Client::OnData(std::string_view bytes) {
  if (closing()) return;
  ServerStats& stats = server_->stats();
  stats.total_net_input_bytes += bytes.size();
  stats.total_reads_processed++;
  last_interaction_ms_ = server_->clock().NowMs();

  if (query_pos_ == query_.size()) {
    // Nothing buffered: parse in place and keep only an incomplete tail.
    query_.clear();
    query_pos_ = 0;
    size_t pos = 0;
    ProcessRequests(bytes, &pos);
    if (!closing() && pos < bytes.size()) query_.assign(bytes.substr(pos));
  } else {
    if (query_pos_ > 0 && query_pos_ >= query_.size() / 2) {
      query_.erase(0, query_pos_);
      query_pos_ = 0;
    }
    size_t missing = parser_.pending_bulk_bytes();
    if (missing > bytes.size() && query_.capacity() < query_.size() + missing) {
      query_.reserve(query_.size() + missing);
    }
    query_.append(bytes);
    ProcessRequests(query_, &query_pos_);
    if (query_pos_ == query_.size()) {
      query_.clear();
      query_pos_ = 0;
      if (query_.capacity() > kMaxIdleBuffer) query_.shrink_to_fit();
    }
  }

  if (!closing() &&
      query_buffer_bytes() > static_cast<size_t>(server_->config().client_query_buffer_limit)) {
    Log(LogLevel::kWarning, "Closing client that reached max query buffer length: %s",
        InfoLine(server_->clock().NowMs()).c_str());
    CloseAsap();
    return;
  }
  CheckOutputLimits();
  if (close_asap_) {
    server_->loop().Close(conn_id_, false);  // may delete this
  } else if (close_after_reply_) {
    server_->loop().Close(conn_id_, true);  // may delete this
  } else {
    ScheduleWrite();
  }
}

void Client::ProcessRequests(std::string_view buf, size_t* pos) {
  while (!closing() && !input_suspended() && *pos < buf.size()) {
    const size_t request_start = *pos;
    switch (parser_.Parse(buf, pos)) {
      case formats::RequestParser::Outcome::kNeedMore:
        return;
      case formats::RequestParser::Outcome::kError: {
        std::string text(parser_.error());
        Log(LogLevel::kVerbose, "Protocol error (%s) from client: %s", text.c_str(),
            InfoLine(server_->clock().NowMs()).c_str());
        size_t start = reply_.buffer()->size();
        reply_.AddError(text);
        server_->CountErrorReplies(std::string_view(*reply_.buffer()).substr(start), 1);
        CloseAfterReply();
        return;
      }
      case formats::RequestParser::Outcome::kCommand:
        server_->Execute(*this, parser_.args());
        // A postponed request stays in the buffer; the parser is between requests, so it parses
        // the same bytes again on resumption.
        if (rewind_request_) {
          rewind_request_ = false;
          *pos = request_start;
        }
        break;
    }
  }
}

void Client::ResumeInput() {
  if (closing() || input_suspended()) return;
  // What arrived while suspended is in query_ (OnData copies any unprocessed tail there).
  if (query_pos_ < query_.size()) {
    ProcessRequests(query_, &query_pos_);
    if (query_pos_ == query_.size()) {
      query_.clear();
      query_pos_ = 0;
      if (query_.capacity() > kMaxIdleBuffer) query_.shrink_to_fit();
    }
  }
  CheckOutputLimits();
  if (close_asap_) {
    server_->loop().Close(conn_id_, false);
  } else if (close_after_reply_) {
    server_->loop().Close(conn_id_, true);
  } else {
    ScheduleWrite();
  }
}

void Client::ScheduleWrite() {
  if (detached()) return;
  if (!fill_.empty() && !write_scheduled_) {
    write_scheduled_ = true;
    server_->loop().WantWrite(conn_id_);
  }
}

void Client::CheckOutputLimits() {
  // A subscriber is held to the pubsub class's limits, as Redis's getClientType classes it.
  const size_t klass =
      server_->pubsub().IsSubscriber(this) ? kClientClassPubsub : kClientClassNormal;
  const ClientOutputLimit& limit = server_->config().client_output_buffer_limit[klass];
  size_t used = output_bytes();
  if (limit.hard_bytes > 0 && used >= limit.hard_bytes) {
    Log(LogLevel::kWarning,
        "Client %s scheduled to be closed ASAP for overcoming of output buffer limits.",
        InfoLine(server_->clock().NowMs()).c_str());
    CloseAsap();
    return;
  }
  if (limit.soft_bytes > 0 && used >= limit.soft_bytes) {
    int64_t now = server_->clock().NowMs();
    if (soft_limit_since_ms_ == 0) {
      soft_limit_since_ms_ = now;
    } else if (now - soft_limit_since_ms_ > limit.soft_seconds * 1000) {
      Log(LogLevel::kWarning,
          "Client %s scheduled to be closed ASAP for overcoming of output buffer limits.",
          InfoLine(now).c_str());
      CloseAsap();
    }
  } else {
    soft_limit_since_ms_ = 0;
  }
}

void Client::CloseAsap() { close_asap_ = true; }

void Client::Push(std::string_view resp) {
  if (closing() || closed_) return;
  reply_.AddRaw(resp);
  CheckOutputLimits();
  if (close_asap_) {
    // Close() never calls back into this client, so this is safe for the running client too; its
    // OnData then sees close_asap_ and stops reading requests.
    if (!detached()) server_->loop().Close(conn_id_, false);
    return;
  }
  ScheduleWrite();
}

void Client::CronCheckOutputLimits() {
  if (soft_limit_since_ms_ == 0 || closing() || closed_) return;
  CheckOutputLimits();
  if (close_asap_ && !detached()) server_->loop().Close(conn_id_, false);
}

size_t Client::GatherOutput(struct iovec* iov, size_t max) {
  write_scheduled_ = false;
  if (max == 0) return 0;
  if (send_offset_ == sending_.size()) {
    if (fill_.empty()) return 0;
    if (hold_lsn_ != 0) {
      Aof& aof = server_->aof();
      if (!aof.Acked(hold_lsn_)) {
        aof.WaitFor(this, hold_lsn_);  // it wakes this client when the log covers hold_lsn_
        return 0;
      }
      hold_lsn_ = 0;
    }
    // The previous send is complete: swap buffers so new replies go to the other one.
    sending_.clear();
    sending_.swap(fill_);
    send_offset_ = 0;
    reply_.set_buffer(&fill_);
  }
  iov[0].iov_base = sending_.data() + send_offset_;
  iov[0].iov_len = sending_.size() - send_offset_;
  return 1;
}

void Client::OnSent(size_t n) {
  server_->stats().total_net_output_bytes += n;
  server_->stats().total_writes_processed++;
  send_offset_ += n;
  if (send_offset_ == sending_.size()) {
    send_offset_ = 0;
    sending_.clear();
    if (sending_.capacity() > kMaxIdleBuffer) sending_.shrink_to_fit();
    if (!fill_.empty()) ScheduleWrite();
  }
}

void Client::OnClosed(int /*err*/) {
  closed_ = true;
  server_->RemoveClient(this);  // deletes this
}

// Client::InfoLine (CLIENT LIST / CLIENT INFO) is in client_info.cc.

}  // namespace keel::server
