# The README's two commands.
.PHONY: run test

run:  ## set up, then start the app on http://localhost:8501
	./scripts/run.sh

test:  ## set up, then run every test (unit, app, browser)
	./scripts/test.sh
