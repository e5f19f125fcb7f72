"""The shell's own pages: home, language switch, health check."""
