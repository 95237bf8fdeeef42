"""The benchmark: synthetic packages and timings (`make bench`)."""
