/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ARCH_X86_NPT_H
#define ARCH_X86_NPT_H

#include <hv/pgtable.h>

/* Stage-2 entry format for SVM nested paging. */
extern const struct pgtable_fmt x86_npt_fmt;
/* The hypervisor's own page tables. */
extern const struct pgtable_fmt x86_host_fmt;
/* Stage-2 entry format for Intel EPT. */
extern const struct pgtable_fmt x86_ept_fmt;

#endif
