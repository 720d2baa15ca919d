"""One module per command family; importing this package registers them all. Add a module here
when Keel gains a data type (lists, hashes, ...): generators for its commands, their arities,
and a dumper for its TYPE name."""

from . import bits, errors, expire, hashes, keys, lists, server, sets, sort, strings, zsets  # noqa: F401,E501
