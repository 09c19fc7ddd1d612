"""One module per ritual; each reads the world and returns a Plan for the runner."""
