"""``groupbuy parse post`` and ``groupbuy parse comment`` (placeholder; replaced by the parsers work)."""
