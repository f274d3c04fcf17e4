"""The national system's roster (issue 18): the comparison with the township's records and the correction list."""
