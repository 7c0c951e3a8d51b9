"""Models shared by more than one experiment (their code enters every such run's key)."""
