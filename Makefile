# alfe — active learning of free energies.  Build with `make`; see README.md.
#
# User options (override on the command line, e.g. `make OPT=-O3 RANKS=4 demo`)
OPT     ?= -O2
RANKS   ?=
PYTHON  ?= /usr/bin/python3
BUILDDIR ?= build
BINDIR  ?= bin
PKG_CONFIG ?= pkg-config

# ---------------------------------------------------------------------------
# Compiler and libraries.  Every one can be given on the command line or in
# the environment (README.md, "Building on a cluster"):
#   CC (or MPICC: an MPI wrapper such as mpicc; then MPI_* may stay empty),
#   MPI_CFLAGS/MPI_LIBS, HDF5_CFLAGS/HDF5_LIBS (parallel HDF5; or H5PCC=h5pcc),
#   BLAS_CFLAGS/BLAS_LIBS (OpenBLAS with LAPACKE), GSL_*, SPGLIB_*, CJSON_*,
#   INIPARSER_*, CMOCKA_* (tests only).
# What is not given is asked of pkg-config under the names Debian, Ubuntu,
# RHEL/EPEL and Spack use, first found wins.  gsl's -lgslcblas is dropped so
# that every cblas_* symbol comes from OpenBLAS.
ifdef MPICC
CC := $(MPICC)
endif
ifeq ($(origin CC),default)
CC := gcc
endif

# $(call pc_first,NAMES): the first pkg-config package among NAMES that exists.
pc_first = $(firstword $(foreach n,$(1),$(shell $(PKG_CONFIG) --exists $(n) 2>/dev/null && echo $(n))))
# $(call pc_var,VAR,NAMES): set VAR_CFLAGS and VAR_LIBS from pkg-config unless given.
define pc_var
ifeq ($$(origin $(1)_CFLAGS)$$(origin $(1)_LIBS),undefinedundefined)
$(1)_PC := $$(call pc_first,$(2))
$(1)_CFLAGS := $$(if $$($(1)_PC),$$(shell $$(PKG_CONFIG) --cflags $$($(1)_PC) 2>/dev/null))
$(1)_LIBS := $$(if $$($(1)_PC),$$(shell $$(PKG_CONFIG) --libs $$($(1)_PC) 2>/dev/null))
$(1)_FOUND := $$(if $$($(1)_PC),yes)
else
$(1)_FOUND := given
endif
endef

HDF5_NAMES   := hdf5-openmpi hdf5-mpi hdf5-mpich hdf5_openmpi hdf5
MPI_NAMES    := ompi-c mpich mpi-c mpi
BLAS_NAMES   := openblas openblas64 openblas-pthread openblas-openmp
LAPACKE_NAMES := lapacke
ifdef H5PCC
# h5pcc -show prints the compiler line that builds against parallel HDF5.
HDF5_CFLAGS ?= $(filter -I% -D%,$(shell $(H5PCC) -show 2>/dev/null))
HDF5_LIBS   ?= $(filter -L% -l% -Wl%,$(shell $(H5PCC) -show 2>/dev/null))
endif
$(eval $(call pc_var,HDF5,$(HDF5_NAMES)))
ifeq ($(origin MPICC),undefined)
$(eval $(call pc_var,MPI,$(MPI_NAMES)))
else
MPI_FOUND := given
endif
$(eval $(call pc_var,BLAS,$(BLAS_NAMES)))
$(eval $(call pc_var,LAPACKE,$(LAPACKE_NAMES)))
$(eval $(call pc_var,GSL,gsl))
$(eval $(call pc_var,SPGLIB,spglib))
$(eval $(call pc_var,CJSON,libcjson cjson))
# iniparser ships no .pc file on Debian: its headers are in include/iniparser.
ifeq ($(origin INIPARSER_CFLAGS)$(origin INIPARSER_LIBS),undefinedundefined)
INIPARSER_CFLAGS := $(if $(wildcard /usr/include/iniparser/iniparser.h),-I/usr/include/iniparser)
INIPARSER_LIBS   := -liniparser
endif
$(eval $(call pc_var,CMOCKA,cmocka))

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
LIB_CFLAGS := $(HDF5_CFLAGS) $(MPI_CFLAGS) $(BLAS_CFLAGS) $(LAPACKE_CFLAGS) $(GSL_CFLAGS) \
              $(SPGLIB_CFLAGS) $(CJSON_CFLAGS) $(INIPARSER_CFLAGS)
CFLAGS_COMMON := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -Iinclude \
                 $(LIB_CFLAGS)
LIBS    := $(filter-out -lgslcblas,$(HDF5_LIBS) $(MPI_LIBS) $(LAPACKE_LIBS) $(BLAS_LIBS) \
             $(GSL_LIBS) $(SPGLIB_LIBS) $(CJSON_LIBS) $(INIPARSER_LIBS)) -lm -pthread

GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
GIT_DIRTY  := $(shell test -n "$$(git status --porcelain --untracked-files=no 2>/dev/null)" && echo -dirty)
BUILD_DEFS  = -DALFE_GIT_COMMIT='"$(GIT_COMMIT)$(GIT_DIRTY)"' -DALFE_BUILD_FLAGS='"$(OPT)"'

# ---------------------------------------------------------------------------
# Sources: explicit lists, one concept per file (see docs/architecture.md).
BASE_SRC    := $(addprefix src/base/,error.c util.c table.c sha256.c comm.c rng.c linalg.c timers.c log.c stopflag.c \
                 sandbox.c)
SPACE_SRC   := $(addprefix src/space/,domain.c point.c sampling.c oracle.c)
LATTICE_SRC := $(addprefix src/lattice/,casm_io.c symmetry.c supercell.c orderparam.c \
                 convergence.c fluctuation.c mc.c mc_point.c)
NETWORK_SRC := $(addprefix src/network/,invariants.c invariants_group.c idnn.c train.c \
                 committee.c idnn_committee.c hypersearch.c formula_oracle.c)
IO_SRC      := $(addprefix src/io/,config.c h5util.c campaign_io.c campaign_guard.c campaign_verify.c \
                 campaign_info.c campaign_criteria.c campaign_inputs.c model_io.c \
                 campaign_regions.c campaign_space.c campaign_sandbox.c)
ACQUIRE_SRC := $(addprefix src/acquire/,acquire.c pool.c criterion.c special.c uncertainty.c physics.c \
                 select.c weights.c regions.c)
RUN_SRC     := $(addprefix src/run/,system.c evaluate.c metrics.c farm.c learn.c curvature_fit.c active.c coordinator.c)
# Layers bottom to top (docs/architecture.md); tests/integration/test_layers.sh
# checks that the arrows only point down.
CORE_SRC := $(BASE_SRC) $(SPACE_SRC) $(LATTICE_SRC) $(NETWORK_SRC) $(IO_SRC) \
            $(ACQUIRE_SRC) $(RUN_SRC)
MAIN_SRC := src/main.c
UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))

REL := $(BUILDDIR)/release
ASN := $(BUILDDIR)/asan
REL_OBJ := $(CORE_SRC:src/%.c=$(REL)/%.o)
ASN_OBJ := $(CORE_SRC:src/%.c=$(ASN)/%.o)

.PHONY: all deps deps-test check check-unit check-integration demo bench paper clean asan help lib-check \
        fuzz fuzz-build
all: $(BINDIR)/alfe

help:
	@echo "make            build $(BINDIR)/alfe (libraries: README.md, 'Building on a cluster')"
	@echo "make check      install the test packages, build, run every test (unit, integration, ASan/UBSan)"
	@echo "make demo       install the runtime packages, build, run the embedded default campaigns with mpirun"
	@echo "make fuzz       build the libFuzzer targets (clang) and run each for FUZZ_SECONDS (default 1800)"
	@echo "make bench      run the benchmarks (figures go to docs/performance.md by hand)"
	@echo "make clean      remove build products"

# Runtime packages only (no SLURM, no test tools); `make check` adds the test set.
deps:
	@tools/install-deps.sh runtime
deps-test:
	@tools/install-deps.sh test

# Says which variable to set when a library was neither given nor found.
lib-check:
	@missing=""; \
	for v in HDF5:$(HDF5_FOUND) MPI:$(MPI_FOUND) BLAS:$(BLAS_FOUND) LAPACKE:$(LAPACKE_FOUND) \
	         GSL:$(GSL_FOUND) SPGLIB:$(SPGLIB_FOUND) CJSON:$(CJSON_FOUND); do \
	    case $$v in *:) missing="$$missing $${v%:}";; esac; \
	done; \
	if [ -n "$$missing" ]; then \
	    for m in $$missing; do \
	        echo "make: library $$m not found by $(PKG_CONFIG): set $${m}_CFLAGS and $${m}_LIBS" \
	             "(e.g. make $${m}_CFLAGS=-I/opt/x/include $${m}_LIBS='-L/opt/x/lib -lx')" >&2; \
	    done; \
	    echo "make: on Debian/Ubuntu 'tools/install-deps.sh' installs them; see README.md," \
	         "'Building on a cluster'" >&2; \
	    exit 2; \
	fi

$(BINDIR)/alfe: $(REL_OBJ) $(REL)/main.o | $(BINDIR)
	$(CC) -o $@ $^ $(LIBS)

$(ASN)/alfe: $(ASN_OBJ) $(ASN)/main.o
	$(CC) -fsanitize=address,undefined -o $@ $^ $(LIBS)

asan: $(ASN)/alfe

$(REL)/%.o: src/%.c | lib-check
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) $(OPT) -g $(BUILD_DEFS) -MMD -MP -c -o $@ $<
$(ASN)/%.o: src/%.c | lib-check
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	      -fno-sanitize-recover=undefined $(BUILD_DEFS) -MMD -MP -c -o $@ $<

# Unit tests (cmocka) are built against the sanitizer objects.
$(ASN)/tests/%: tests/unit/%.c $(ASN_OBJ) | $(ASN)/tests
	$(CC) $(CFLAGS_COMMON) $(CMOCKA_CFLAGS) -O1 -g -fsanitize=address,undefined \
	      -fno-sanitize-recover=undefined -MMD -MP -o $@ $< $(ASN_OBJ) $(LIBS) $(CMOCKA_LIBS)

# MPI test programs (tests/mpi/), built against the release objects and run
# under mpirun by tests/integration/test_committee.sh.
MPI_TESTS := committee_mpi idnn_committee_mpi
$(REL)/tests/mpi/%: tests/mpi/%.c $(REL_OBJ) | $(REL)/tests/mpi
	$(CC) $(CFLAGS_COMMON) $(OPT) -g -MMD -MP -o $@ $< $(REL_OBJ) $(LIBS)

$(BINDIR) $(REL) $(ASN) $(ASN)/tests $(REL)/tests/mpi:
	mkdir -p $@

# ---------------------------------------------------------------------------
# Fuzzing (tests/fuzz/, docs/testing.md "Fuzzing"): libFuzzer targets built
# with clang against a separate copy of the library objects compiled with
# -fsanitize=fuzzer-no-link,address,undefined in $(BUILDDIR)/fuzz.
# `make fuzz` runs every target for FUZZ_SECONDS (default 1800 s) under
# nice; `make check` runs each briefly and replays tests/fuzz/crashes/
# (tests/integration/test_fuzz.sh).
# clang-14 is what tools/install-deps.sh test installs; any clang with the
# libFuzzer runtime will do (make FUZZ_CC=clang-16 fuzz).
FUZZ_CC      ?= $(if $(shell command -v clang-14 2>/dev/null),clang-14,clang)
FUZZ_SECONDS ?= 1800
FUZZ_TARGETS := fuzz_ini fuzz_casm fuzz_formula fuzz_table fuzz_h5
FUZ := $(BUILDDIR)/fuzz
FUZ_OBJ := $(CORE_SRC:src/%.c=$(FUZ)/%.o)
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_DEFS := -DALFE_SOURCE_DIR='"$(CURDIR)"'

$(FUZ)/%.o: src/%.c | lib-check
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CFLAGS_COMMON) -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link \
	      $(FUZZ_SAN) $(BUILD_DEFS) -MMD -MP -c -o $@ $<
$(FUZ)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZ_OBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CFLAGS_COMMON) -Itests/fuzz -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer \
	      $(FUZZ_SAN) $(FUZZ_DEFS) -MMD -MP -o $@ $< $(FUZ_OBJ) $(LIBS)

# The objects are prerequisites of a pattern rule: keep them (not intermediate).
.SECONDARY: $(FUZ_OBJ)

fuzz-build: $(FUZZ_TARGETS:%=$(FUZ)/%)

fuzz: deps-test
	$(MAKE) --no-print-directory fuzz-build
	tests/fuzz/run_fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

check: deps-test
	$(MAKE) --no-print-directory all asan $(UNIT_TESTS:%=$(ASN)/tests/%) \
	        $(MPI_TESTS:%=$(REL)/tests/mpi/%) fuzz-build
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
	bench/bench_acquire.sh

# The published workflow's experiment (docs/results.md; needs ../shared/anchor-lco).
# QUICK=1: a few minutes, one seed, small sizes.
paper: deps
	$(MAKE) --no-print-directory all
	$(PYTHON) bench/paper/run_paper.py $(if $(QUICK),--quick) $(if $(RANKS),--ranks $(RANKS))

clean:
	rm -rf $(BUILDDIR) $(BINDIR) build/bench

-include $(REL_OBJ:.o=.d) $(ASN_OBJ:.o=.d) $(REL)/main.d $(ASN)/main.d \
         $(MPI_TESTS:%=$(REL)/tests/mpi/%.d) $(FUZ_OBJ:.o=.d) $(FUZZ_TARGETS:%=$(FUZ)/%.d)
