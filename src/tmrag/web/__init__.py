"""Web service: FastAPI app, chat page, module viewer."""
