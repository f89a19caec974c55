# alfe — active learning of free energies.  Build with `make`; see README.md.
#
# User options (override on the command line, e.g. `make OPT=-O3 RANKS=4 demo`)
CC      := gcc
OPT     ?= -O2
RANKS   ?=
PYTHON  ?= /usr/bin/python3
PKGS    := hdf5-openmpi openblas gsl lapacke spglib libcjson

# ---------------------------------------------------------------------------
# Flags.  pkg-config gives MPI through hdf5-openmpi; gsl's -lgslcblas is
# dropped so that every cblas_* symbol comes from OpenBLAS.  iniparser has no
# .pc file on Debian.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(filter-out -lgslcblas,$(shell pkg-config --libs $(PKGS) 2>/dev/null))
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS_COMMON := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
                 -Iinclude -I/usr/include/iniparser $(PKG_CFLAGS)
LIBS    := $(PKG_LIBS) -liniparser -lm

GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
GIT_DIRTY  := $(shell test -n "$$(git status --porcelain --untracked-files=no 2>/dev/null)" && echo -dirty)
BUILD_DEFS  = -DALFE_GIT_COMMIT='"$(GIT_COMMIT)$(GIT_DIRTY)"' -DALFE_BUILD_FLAGS='"$(OPT)"'

# ---------------------------------------------------------------------------
# Sources: explicit lists, one concept per file (see docs/architecture.md).
BASE_SRC    := $(addprefix src/base/,error.c util.c comm.c rng.c linalg.c timers.c log.c stopflag.c)
SPACE_SRC   := $(addprefix src/space/,domain.c point.c sampling.c oracle.c)
LATTICE_SRC := $(addprefix src/lattice/,casm_io.c symmetry.c supercell.c orderparam.c \
                 convergence.c mc.c)
NETWORK_SRC := $(addprefix src/network/,invariants.c invariants_group.c idnn.c train.c \
                 committee.c idnn_committee.c hypersearch.c)
IO_SRC      := $(addprefix src/io/,config.c h5util.c campaign_io.c campaign_guard.c \
                 campaign_info.c model_io.c)
ACQUIRE_SRC := $(addprefix src/acquire/,acquire.c)
RUN_SRC     := $(addprefix src/run/,evaluate.c farm.c learn.c coordinator.c)
# Layers bottom to top (docs/architecture.md); tests/integration/test_layers.sh
# checks that the arrows only point down.
CORE_SRC := $(BASE_SRC) $(SPACE_SRC) $(LATTICE_SRC) $(NETWORK_SRC) $(IO_SRC) \
            $(ACQUIRE_SRC) $(RUN_SRC)
MAIN_SRC := src/main.c
UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))

REL := build/release
ASN := build/asan
REL_OBJ := $(CORE_SRC:src/%.c=$(REL)/%.o)
ASN_OBJ := $(CORE_SRC:src/%.c=$(ASN)/%.o)

.PHONY: all deps check check-unit check-integration demo bench clean asan help
all: bin/alfe

help:
	@echo "make            build bin/alfe"
	@echo "make check      install deps, build, run every test (unit, integration, ASan/UBSan)"
	@echo "make demo       install deps, build, run the embedded default campaign with mpirun"
	@echo "make bench      run the benchmarks (figures go to docs/performance.md by hand)"
	@echo "make clean      remove build products"

deps:
	@tools/install-deps.sh

bin/alfe: $(REL_OBJ) $(REL)/main.o | bin
	$(CC) -o $@ $^ $(LIBS)

$(ASN)/alfe: $(ASN_OBJ) $(ASN)/main.o
	$(CC) -fsanitize=address,undefined -o $@ $^ $(LIBS)

asan: $(ASN)/alfe

$(REL)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) $(OPT) -g $(BUILD_DEFS) -MMD -MP -c -o $@ $<
$(ASN)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	      -fno-sanitize-recover=undefined $(BUILD_DEFS) -MMD -MP -c -o $@ $<

# Unit tests (cmocka) are built against the sanitizer objects.
$(ASN)/tests/%: tests/unit/%.c $(ASN_OBJ) | $(ASN)/tests
	$(CC) $(CFLAGS_COMMON) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	      -MMD -MP -o $@ $< $(ASN_OBJ) $(LIBS) $(CMOCKA_LIBS)

# MPI test programs (tests/mpi/), built against the release objects and run
# under mpirun by tests/integration/test_committee.sh.
MPI_TESTS := committee_mpi idnn_committee_mpi
$(REL)/tests/mpi/%: tests/mpi/%.c $(REL_OBJ) | $(REL)/tests/mpi
	$(CC) $(CFLAGS_COMMON) $(OPT) -g -MMD -MP -o $@ $< $(REL_OBJ) $(LIBS)

bin $(REL) $(ASN) $(ASN)/tests $(REL)/tests/mpi:
	mkdir -p $@

check: deps
	$(MAKE) --no-print-directory all asan $(UNIT_TESTS:%=$(ASN)/tests/%) \
	        $(MPI_TESTS:%=$(REL)/tests/mpi/%)
	tests/run_tests.sh

demo: deps
	$(MAKE) --no-print-directory all
	tools/demo.sh $(RANKS)

build/bench/bench_oracle: bench/bench_oracle.c $(REL_OBJ)
	mkdir -p build/bench
	$(CC) $(CFLAGS_COMMON) $(OPT) -o $@ $< $(REL_OBJ) $(LIBS)

build/bench/bench_mc: bench/bench_mc.c $(REL_OBJ)
	mkdir -p build/bench
	$(CC) $(CFLAGS_COMMON) $(OPT) -o $@ $< $(REL_OBJ) $(LIBS)

build/bench/bench_idnn: bench/bench_idnn.c $(REL_OBJ)
	mkdir -p build/bench
	$(CC) $(CFLAGS_COMMON) $(OPT) -o $@ $< $(REL_OBJ) $(LIBS)

bench: deps
	$(MAKE) --no-print-directory all build/bench/bench_oracle build/bench/bench_mc \
	    build/bench/bench_idnn
	bench/run_bench.sh

clean:
	rm -rf build bin

-include $(REL_OBJ:.o=.d) $(ASN_OBJ:.o=.d) $(REL)/main.d $(ASN)/main.d \
         $(MPI_TESTS:%=$(REL)/tests/mpi/%.d)
