"""Server-rendered pages, one module per family; each calls the same services as the API."""
