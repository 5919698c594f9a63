"""The session core: models, ports and use cases. Imports neither grpc, fastapi nor sqlalchemy."""
