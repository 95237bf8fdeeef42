"""Publishing: the SQLite build, Datasette metadata, plugins and server, and the generated docs."""
