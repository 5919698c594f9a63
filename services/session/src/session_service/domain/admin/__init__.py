"""The admin REST API's sessions (issue 17): an admin client reads and ends users' sessions."""
