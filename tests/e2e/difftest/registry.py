"""The registry of command families. Each module in families/ creates one Family, registers its
command generators (with relative weights), the arity of its commands (for the generic
wrong-arity generator) and a dumper per data type it owns (for the final keyspace comparison).
A new data type is covered by adding one module and listing it in families/__init__.py."""


class Family:
    def __init__(self, name, share):
        self.name = name
        self.share = share  # this family's share of the stream, relative to the other families
        self.generators = []  # (weight, function(gen) -> op or list of ops)
        self.arities = {}  # command name -> Redis arity (negative: at least -arity arguments)
        self.dumpers = {}  # TYPE reply -> function(call, key) -> comparable value

    def command(self, weight):
        """Decorator: registers a generator. It receives the Gen and returns an op or a list."""
        def register(fn):
            self.generators.append((weight, fn))
            return fn
        return register

    def arity(self, **arities):
        self.arities.update(arities)

    def dumper(self, type_name):
        """Decorator: registers how to read a whole value of TYPE type_name. The function gets
        call(args) -> reply (on one server) and the key, and returns a reply-shaped value
        (see resp.py) that is equal on both servers when the values are: e.g. GET's reply, or
        ('*', sorted(members)) for an unordered collection."""
        def register(fn):
            self.dumpers[type_name] = fn
            return fn
        return register


FAMILIES = []


def family(name, share):
    f = Family(name, share)
    FAMILIES.append(f)
    return f


def all_arities():
    out = {}
    for f in FAMILIES:
        out.update(f.arities)
    return out


def all_dumpers():
    out = {}
    for f in FAMILIES:
        out.update(f.dumpers)
    return out


def weighted_generators(only=None):
    """Flattens the registry into (generators, cumulative weights) for random.choices. `only`
    (a collection of family names) restricts the stream to those families."""
    gens, cum, total = [], [], 0.0
    for f in FAMILIES:
        if only is not None and f.name not in only:
            continue
        fam_total = sum(w for w, _ in f.generators)
        if not fam_total:
            continue
        for w, fn in f.generators:
            total += f.share * w / fam_total
            gens.append(fn)
            cum.append(total)
    return gens, cum
