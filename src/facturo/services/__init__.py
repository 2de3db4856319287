"""Use cases. Each public function is one transaction: it opens a unit of work, checks the
domain rules, persists, and commits — or raises and leaves nothing behind. Faces (the
legacy and current APIs, the web app, the CLI) call these and nothing below them."""
