"""The benchmark: a seeded corpus generator and the runner behind `make bench`."""
