"""The hub: the central ticketing contract served over core (FastAPI + uvicorn); see sync/hub/README.md."""
