# Every target bootstraps its own toolchain (Node 24 + pinned pnpm, cached per user) and dependencies.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
export TURBO_TELEMETRY_DISABLED := 1
export DO_NOT_TRACK := 1
TOOLCHAIN = eval "$$(bin/bootstrap)"

.PHONY: demo test test-under-load build bench lint typecheck deps clean servers synth new-source new-sink

deps:
	@$(TOOLCHAIN); pnpm install --frozen-lockfile --reporter=silent

# Quiet unless something fails: then the build's whole output is shown.
build: deps
	@$(TOOLCHAIN); log=$$(mktemp); \
	  if pnpm exec turbo run build --output-logs=errors-only >"$$log" 2>&1; then rm -f "$$log"; \
	  else cat "$$log"; rm -f "$$log"; exit 1; fi

demo: build
	@./bin/ctxsiem demo

lint: deps
	@$(TOOLCHAIN); pnpm exec biome check .

typecheck: deps
	@$(TOOLCHAIN); pnpm exec tsc -p tsconfig.json --noEmit

# lint, typecheck and every suite; ends with one line "N passed, N failed".
test: build
	@$(TOOLCHAIN); bin/test-all

# `make test` in a fresh clone of HEAD with `stress-ng --cpu 2` beside it (obtained into the cache
# without root): no test may depend on the machine's speed. Ends with the suite's "N passed, N failed".
test-under-load:
	@scripts/stress-test.sh

bench: build
	@$(TOOLCHAIN); pnpm exec turbo run bench --output-logs=full --concurrency=1

servers:
	@test/servers/obtain.sh all

# The Terraform stacks of terraform/environments/*.json (or ENV=a,b) into terraform/cdktf.out/stacks/.
synth: build
	@$(TOOLCHAIN); cd terraform && node --no-deprecation --conditions=@ctxsiem/source src/main.ts $(if $(ENV),--env $(ENV))

# A new connector package from the templates: make new-source NAME=acmelogs, make new-sink NAME=acmelake.
new-source new-sink: deps
	@test -n "$(NAME)" || { echo "usage: make $@ NAME=<name> (lowercase letters and digits, e.g. acmelogs)" >&2; exit 2; }
	@$(TOOLCHAIN); node scripts/new-connector.ts $(subst new-,,$@) $(NAME)

clean:
	rm -rf out packages/*/dist apps/*/dist .turbo packages/*/.turbo apps/*/.turbo terraform/cdktf.out
