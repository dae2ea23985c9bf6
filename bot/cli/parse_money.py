"""``groupbuy parse payment`` and ``groupbuy parse statement`` (placeholder; replaced by the parsers work)."""
