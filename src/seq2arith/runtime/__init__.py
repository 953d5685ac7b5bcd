"""What every stage and command runs on: the one error type, safe file writes, seeds, threads and devices."""
