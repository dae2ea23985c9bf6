"""groupbuy: a LINE group-buying assistant for Taiwanese group-buy hosts."""
