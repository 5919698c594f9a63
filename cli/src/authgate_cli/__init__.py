"""authgate command-line tool."""
