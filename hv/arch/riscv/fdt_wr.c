/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flattened device tree writer: header, an empty memory reservation map,
 * the structure block written in place, then the strings block (property
 * names, deduplicated) appended by fdt_wr_finish. Every write is bounded by
 * the buffer; the first overflow sticks in w->err.
 */
#include <arch/fdt_wr.h>
#include <hv/errno.h>
#include <hv/lib.h>

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_END        9
#define HDR_SIZE       40
#define RSV_SIZE       16 /* one all-zero terminating entry */

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void emit(struct fdt_wr *w, const void *data, uint32_t len)
{
	uint32_t padded = ALIGN_UP(len, 4U);

	if (w->err || padded > w->cap - w->off) {
		w->err = -ENOSPC;
		return;
	}
	memcpy(w->buf + w->off, data, len);
	memset(w->buf + w->off + len, 0, padded - len);
	w->off += padded;
}

static void emit_u32(struct fdt_wr *w, uint32_t v)
{
	uint8_t b[4];

	put_be32(b, v);
	emit(w, b, 4);
}

static uint32_t string_off(struct fdt_wr *w, const char *name)
{
	uint32_t len = (uint32_t)strlen(name) + 1;

	for (uint32_t i = 0; i < w->strings_len; i += (uint32_t)strlen(w->strings + i) + 1) {
		if (!strcmp(w->strings + i, name))
			return i;
	}
	if (len > sizeof(w->strings) - w->strings_len) {
		w->err = -ENOSPC;
		return 0;
	}
	memcpy(w->strings + w->strings_len, name, len);
	w->strings_len += len;
	return w->strings_len - len;
}

void fdt_wr_begin(struct fdt_wr *w, void *buf, uint32_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->err = cap < HDR_SIZE + RSV_SIZE ? -ENOSPC : 0;
	w->off = HDR_SIZE + RSV_SIZE;
	w->strings_len = 0;
	if (!w->err)
		memset(w->buf, 0, HDR_SIZE + RSV_SIZE);
}

void fdt_wr_node(struct fdt_wr *w, const char *name)
{
	emit_u32(w, FDT_BEGIN_NODE);
	emit(w, name, (uint32_t)strlen(name) + 1);
}

void fdt_wr_end_node(struct fdt_wr *w)
{
	emit_u32(w, FDT_END_NODE);
}

void fdt_wr_prop(struct fdt_wr *w, const char *name, const void *data, uint32_t len)
{
	emit_u32(w, FDT_PROP);
	emit_u32(w, len);
	emit_u32(w, string_off(w, name));
	if (len)
		emit(w, data, len);
}

void fdt_wr_prop_str(struct fdt_wr *w, const char *name, const char *s)
{
	fdt_wr_prop(w, name, s, (uint32_t)strlen(s) + 1);
}

void fdt_wr_prop_u32(struct fdt_wr *w, const char *name, uint32_t v)
{
	fdt_wr_prop_cells(w, name, &v, 1);
}

void fdt_wr_prop_cells(struct fdt_wr *w, const char *name, const uint32_t *c, unsigned n)
{
	uint8_t b[4 * 32];

	if (n > 32) {
		w->err = -ENOSPC;
		return;
	}
	for (unsigned i = 0; i < n; i++)
		put_be32(b + 4 * i, c[i]);
	fdt_wr_prop(w, name, b, 4 * n);
}

int fdt_wr_finish(struct fdt_wr *w, uint32_t *size)
{
	uint32_t struct_size, strings_off;

	emit_u32(w, FDT_END);
	struct_size = w->off - (HDR_SIZE + RSV_SIZE);
	strings_off = w->off;
	emit(w, w->strings, w->strings_len);
	if (w->err)
		return w->err;
	put_be32(w->buf + 0, FDT_MAGIC);
	put_be32(w->buf + 4, w->off);              /* totalsize */
	put_be32(w->buf + 8, HDR_SIZE + RSV_SIZE); /* off_dt_struct */
	put_be32(w->buf + 12, strings_off);        /* off_dt_strings */
	put_be32(w->buf + 16, HDR_SIZE);           /* off_mem_rsvmap */
	put_be32(w->buf + 20, 17);                 /* version */
	put_be32(w->buf + 24, 16);                 /* last_comp_version */
	put_be32(w->buf + 28, 0);                  /* boot_cpuid_phys */
	put_be32(w->buf + 32, w->strings_len);     /* size_dt_strings */
	put_be32(w->buf + 36, struct_size);        /* size_dt_struct */
	*size = w->off;
	return 0;
}
