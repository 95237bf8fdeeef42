"""Reading a data package: its descriptor models, files, rows and archived texts, and the one
function that decides which paths may be opened."""
