/* SPDX-License-Identifier: BSD-3-Clause */
/* Writing a flattened device tree (version 17) into a bounded buffer. */
#ifndef ARCH_RISCV_FDT_WR_H
#define ARCH_RISCV_FDT_WR_H

#include <hv/types.h>

#define FDT_WR_STRINGS_MAX 768

struct fdt_wr {
	uint8_t *buf;
	uint32_t cap;
	uint32_t off; /* end of the structure block so far */
	int err;      /* first error, sticky: callers check once in fdt_wr_finish */
	uint32_t strings_len;
	char strings[FDT_WR_STRINGS_MAX];
};

void fdt_wr_begin(struct fdt_wr *w, void *buf, uint32_t cap);
void fdt_wr_node(struct fdt_wr *w, const char *name);
void fdt_wr_end_node(struct fdt_wr *w);
void fdt_wr_prop(struct fdt_wr *w, const char *name, const void *data, uint32_t len);
void fdt_wr_prop_str(struct fdt_wr *w, const char *name, const char *s);
void fdt_wr_prop_u32(struct fdt_wr *w, const char *name, uint32_t v);
/* n cells, given in host order. */
void fdt_wr_prop_cells(struct fdt_wr *w, const char *name, const uint32_t *c, unsigned n);
/* Close the tree; the blob's total size in *size. 0 or -ENOSPC. */
int fdt_wr_finish(struct fdt_wr *w, uint32_t *size);

#endif
