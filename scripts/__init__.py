"""Tools of nk-russia-claims: validate, document, build, serve and release the data package."""
