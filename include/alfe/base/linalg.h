/* linalg.h — the small dense linear algebra alfe needs, on LAPACKE/OpenBLAS.
 * Row-major storage throughout.  Owns: nothing stateful. */
#ifndef ALFE_LINALG_H
#define ALFE_LINALG_H

/* Moore–Penrose pseudo-inverse of a d×M matrix of full row rank (d ≤ M) into
 * pinv (M×d).  Fails with ALFE_ERR_INPUT when the rows are linearly
 * dependent (smallest singular value below 1e-10 of the largest). */
int linalg_pinv_full_row_rank(const double *a, int d, int m, double *pinv);

/* Symmetric eigenvalues (ascending) and, when vectors != NULL, eigenvectors
 * as columns of vectors (n×n).  a is not modified. */
int linalg_sym_eigen(const double *a, int n, double *values, double *vectors);
/* The same eigenvalues (dsyev 'N', ascending) with the caller's scratch
 * (n×n) instead of an allocation: for loops over many matrices. */
int linalg_sym_eigenvalues(const double *a, int n, double *values, double *scratch);

/* Solve a x = b for symmetric a, after shifting its spectrum so the smallest
 * eigenvalue is at least `floor` (a modified-Newton step).  x may alias b. */
int linalg_solve_shifted(const double *a, int n, const double *b, double floor, double *x);

#endif
