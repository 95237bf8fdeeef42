"""What the site's Datasette plugins share: `compat` (every use of Datasette's internals, behind a
check of its version) and `site` (the facts every plugin repeats: the database, identifier quoting,
the label of an article without a title).

A package, not a plugin: Datasette registers each `*.py` file directly in its plugins folder
(datasette.app, `--plugins-dir`), not the folders in it. The plugins are deployed as that folder
alone (`datasette publish --plugins-dir`), so they cannot import `scripts.*`: each puts its own
folder on sys.path (the lines after its first imports) and imports `nk_datasette` from there, in
tests, in `make serve`'s workers and in the Cloud Run image alike."""
