/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A tiny AML (ACPI Machine Language) byte emitter, just enough to write the
 * DSDT of a VM: names, integers, strings, EISA ids, packages, buffers,
 * scopes, devices, methods returning a constant and resource templates.
 * Shared with acrn-dm, which builds this file hosted (dm/hw/meson.build).
 *
 * The builder writes into a caller-provided buffer (no allocation). Any
 * overflow or malformed name makes the builder sticky-failed: later calls do
 * nothing and aml_finish() reports the error, so callers can emit a whole
 * table and check once.
 *
 * Objects with a PkgLength (Scope, Device, Method, Package) are opened with
 * *_begin(), which returns a mark, and closed with aml_end(mark); the length
 * is patched in on close using the shortest encoding.
 */
#ifndef ARCH_AML_H
#define ARCH_AML_H

#include <hv/types.h>

struct aml_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err; /* 0 or the first negative errno hit */
};

/* A PkgLength can describe at most 2^28 - 1 bytes. */
#define AML_PKGLEN_MAX ((1U << 28) - 1)

void aml_init(struct aml_builder *b, uint8_t *buf, size_t cap);
/* Returns the number of bytes written, or a negative errno (-ENOSPC, -EINVAL). */
long aml_finish(const struct aml_builder *b);

void aml_bytes(struct aml_builder *b, const void *data, size_t n);
void aml_byte(struct aml_builder *b, uint8_t v);

/*
 * A NameString: optional leading '\' or '^'s, then 1..255 segments of 1..4
 * characters [A-Z0-9_] separated by '.', first character not a digit. Short
 * segments are padded with '_' ("_S5" is "_S5_").
 */
void aml_name_string(struct aml_builder *b, const char *path);

/* Integer using the shortest of Zero/One/Ones/BytePrefix/.../QWordPrefix. */
void aml_integer(struct aml_builder *b, uint64_t v);
/* String constant; bytes must be 0x01..0x7F. */
void aml_string(struct aml_builder *b, const char *s);
/* EISA id such as "PNP0501" as its compressed 32-bit integer. */
void aml_eisaid(struct aml_builder *b, const char *id);
/* Buffer object holding @n bytes (e.g. a resource template). */
void aml_buffer(struct aml_builder *b, const void *data, size_t n);

/* Name (path, <object emitted next>) */
void aml_name(struct aml_builder *b, const char *path);

size_t aml_scope_begin(struct aml_builder *b, const char *path);
size_t aml_device_begin(struct aml_builder *b, const char *path);
/* Method with @nargs (0..7) arguments, NotSerialized, sync level 0. */
size_t aml_method_begin(struct aml_builder *b, const char *path, unsigned nargs);
/* Package with @nelems elements (0..255), emitted next. */
size_t aml_package_begin(struct aml_builder *b, unsigned nelems);
void aml_end(struct aml_builder *b, size_t mark);

/* Return (<object emitted next>) */
void aml_return(struct aml_builder *b);

/*
 * Resource template helpers: they append small/large resource descriptors
 * to a plain byte buffer (not AML), to be wrapped with aml_buffer().
 */
struct aml_res {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;
};

void aml_res_init(struct aml_res *r, uint8_t *buf, size_t cap);
/* IO (Decode16, base, base, 1, len) */
void aml_res_io(struct aml_res *r, uint16_t base, uint8_t len);
/* Interrupt (ResourceConsumer, edge/level, high/low, Exclusive) {gsi} */
void aml_res_interrupt(struct aml_res *r, uint32_t gsi, bool edge, bool active_low);
/* The same, Shared (PCI interrupt links, whose GSI several slots share). */
void aml_res_interrupt_shared(struct aml_res *r, uint32_t gsi, bool edge, bool active_low);
/*
 * A bridge's decoding windows (ResourceProducer, MinFixed, MaxFixed,
 * PosDecode, granularity 0, no translation): bus numbers and I/O ports as
 * Word descriptors, memory as DWord (non-cacheable) or QWord (prefetchable),
 * each covering [min, max].
 */
void aml_res_bus_window(struct aml_res *r, uint16_t min, uint16_t max);
void aml_res_io_window(struct aml_res *r, uint16_t min, uint16_t max);
void aml_res_mem32_window(struct aml_res *r, uint32_t min, uint32_t max);
void aml_res_mem64_window(struct aml_res *r, uint64_t min, uint64_t max);
/* Memory32Fixed (ReadWrite, base, len) */
void aml_res_mem32_fixed(struct aml_res *r, uint32_t base, uint32_t len);
/* EndTag; returns the template length or a negative errno. */
long aml_res_finish(struct aml_res *r);

#endif
