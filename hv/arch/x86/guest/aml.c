/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Minimal AML emitter (ACPI 6.x, section 20 "ACPI Machine Language
 * Specification"). See arch/aml.h for the model.
 */
#include <arch/aml.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/types.h>

#define AML_ZERO_OP       0x00
#define AML_ONE_OP        0x01
#define AML_NAME_OP       0x08
#define AML_BYTE_PREFIX   0x0A
#define AML_WORD_PREFIX   0x0B
#define AML_DWORD_PREFIX  0x0C
#define AML_STRING_PREFIX 0x0D
#define AML_QWORD_PREFIX  0x0E
#define AML_SCOPE_OP      0x10
#define AML_BUFFER_OP     0x11
#define AML_PACKAGE_OP    0x12
#define AML_METHOD_OP     0x14
#define AML_DUAL_NAME     0x2E
#define AML_MULTI_NAME    0x2F
#define AML_EXT_PREFIX    0x5B
#define AML_ROOT_CHAR     0x5C
#define AML_PARENT_CHAR   0x5E
#define AML_RETURN_OP     0xA4
#define AML_ONES_OP       0xFF
#define AML_EXT_DEVICE_OP 0x82

void aml_init(struct aml_builder *b, uint8_t *buf, size_t cap)
{
	b->buf = buf;
	b->cap = buf ? cap : 0;
	b->len = 0;
	b->err = 0;
}

long aml_finish(const struct aml_builder *b)
{
	if (b->err)
		return b->err;
	return (long)b->len;
}

static void aml_fail(struct aml_builder *b, int err)
{
	if (!b->err)
		b->err = err;
}

void aml_bytes(struct aml_builder *b, const void *data, size_t n)
{
	if (b->err)
		return;
	if (n > b->cap - b->len) {
		aml_fail(b, -ENOSPC);
		return;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
}

void aml_byte(struct aml_builder *b, uint8_t v)
{
	aml_bytes(b, &v, 1);
}

static void aml_le(struct aml_builder *b, uint64_t v, unsigned n)
{
	uint8_t tmp[8];

	for (unsigned i = 0; i < n; i++)
		tmp[i] = (uint8_t)(v >> (8 * i));
	aml_bytes(b, tmp, n);
}

static bool aml_lead_char(char c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

static bool aml_name_char(char c)
{
	return aml_lead_char(c) || (c >= '0' && c <= '9');
}

void aml_name_string(struct aml_builder *b, const char *path)
{
	const char *p = path;
	unsigned nsegs = 0;

	if (b->err)
		return;
	if (!path) {
		aml_fail(b, -EINVAL);
		return;
	}

	if (*p == '\\') {
		aml_byte(b, AML_ROOT_CHAR);
		p++;
	} else {
		while (*p == '^') {
			aml_byte(b, AML_PARENT_CHAR);
			p++;
		}
	}

	/* Validate and count segments first: the prefix depends on the count. */
	for (const char *s = p; *s;) {
		unsigned n = 0;

		if (!aml_lead_char(*s)) {
			aml_fail(b, -EINVAL);
			return;
		}
		while (s[n] && s[n] != '.') {
			if (n == 4 || !aml_name_char(s[n])) {
				aml_fail(b, -EINVAL);
				return;
			}
			n++;
		}
		nsegs++;
		s += n;
		if (*s == '.') {
			s++;
			if (!*s) {
				aml_fail(b, -EINVAL); /* trailing dot */
				return;
			}
		}
	}

	if (nsegs > 255) {
		aml_fail(b, -EINVAL);
		return;
	}
	if (nsegs == 0) {
		aml_byte(b, 0x00); /* NullName: "\" alone, or "^" */
		return;
	}
	if (nsegs == 2) {
		aml_byte(b, AML_DUAL_NAME);
	} else if (nsegs > 2) {
		aml_byte(b, AML_MULTI_NAME);
		aml_byte(b, (uint8_t)nsegs);
	}

	while (*p) {
		char seg[4] = { '_', '_', '_', '_' };
		unsigned n = 0;

		while (p[n] && p[n] != '.') {
			seg[n] = p[n];
			n++;
		}
		aml_bytes(b, seg, sizeof(seg));
		p += n;
		if (*p == '.')
			p++;
	}
}

void aml_integer(struct aml_builder *b, uint64_t v)
{
	if (v == 0) {
		aml_byte(b, AML_ZERO_OP);
	} else if (v == 1) {
		aml_byte(b, AML_ONE_OP);
	} else if (v == UINT64_MAX) {
		aml_byte(b, AML_ONES_OP);
	} else if (v <= 0xFF) {
		aml_byte(b, AML_BYTE_PREFIX);
		aml_le(b, v, 1);
	} else if (v <= 0xFFFF) {
		aml_byte(b, AML_WORD_PREFIX);
		aml_le(b, v, 2);
	} else if (v <= 0xFFFFFFFF) {
		aml_byte(b, AML_DWORD_PREFIX);
		aml_le(b, v, 4);
	} else {
		aml_byte(b, AML_QWORD_PREFIX);
		aml_le(b, v, 8);
	}
}

void aml_string(struct aml_builder *b, const char *s)
{
	if (!s) {
		aml_fail(b, -EINVAL);
		return;
	}
	for (const char *c = s; *c; c++) {
		if ((unsigned char)*c > 0x7F) {
			aml_fail(b, -EINVAL);
			return;
		}
	}
	aml_byte(b, AML_STRING_PREFIX);
	aml_bytes(b, s, strlen(s) + 1);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

void aml_eisaid(struct aml_builder *b, const char *id)
{
	uint32_t mfg = 0, prod = 0;

	if (!id || strlen(id) != 7) {
		aml_fail(b, -EINVAL);
		return;
	}
	/* Three letters, 5 bits each ('A' = 1), then four hex digits. */
	for (unsigned i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			aml_fail(b, -EINVAL);
			return;
		}
		mfg = (mfg << 5) | (uint32_t)(id[i] - 0x40);
	}
	for (unsigned i = 3; i < 7; i++) {
		int d = hex_digit(id[i]);

		if (d < 0) {
			aml_fail(b, -EINVAL);
			return;
		}
		prod = (prod << 4) | (uint32_t)d;
	}
	/* The id is stored big-endian inside a little-endian DWord. */
	aml_byte(b, AML_DWORD_PREFIX);
	aml_byte(b, (uint8_t)(mfg >> 8));
	aml_byte(b, (uint8_t)mfg);
	aml_byte(b, (uint8_t)(prod >> 8));
	aml_byte(b, (uint8_t)prod);
}

/* Reserve one byte for a PkgLength; aml_end() widens it if needed. */
static size_t aml_pkg_open(struct aml_builder *b)
{
	size_t mark = b->len;

	aml_byte(b, 0);
	return mark;
}

void aml_end(struct aml_builder *b, size_t mark)
{
	size_t body, total;
	unsigned n;
	uint8_t *p;

	if (b->err)
		return;
	if (mark >= b->len) {
		aml_fail(b, -EINVAL);
		return;
	}
	body = b->len - mark - 1;

	/* The encoded length counts the PkgLength bytes themselves. */
	if (body + 1 <= 0x3F)
		n = 1;
	else if (body + 2 <= 0xFFF)
		n = 2;
	else if (body + 3 <= 0xFFFFF)
		n = 3;
	else if (body + 4 <= AML_PKGLEN_MAX)
		n = 4;
	else {
		aml_fail(b, -ENOSPC);
		return;
	}
	total = body + n;

	if (n > 1) {
		if (n - 1 > b->cap - b->len) {
			aml_fail(b, -ENOSPC);
			return;
		}
		memmove(b->buf + mark + n, b->buf + mark + 1, body);
		b->len += n - 1;
	}

	p = b->buf + mark;
	if (n == 1) {
		p[0] = (uint8_t)total;
		return;
	}
	p[0] = (uint8_t)(((n - 1) << 6) | (total & 0xF));
	for (unsigned i = 1; i < n; i++)
		p[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
}

void aml_buffer(struct aml_builder *b, const void *data, size_t n)
{
	size_t mark;

	aml_byte(b, AML_BUFFER_OP);
	mark = aml_pkg_open(b);
	aml_integer(b, n);
	aml_bytes(b, data, n);
	aml_end(b, mark);
}

void aml_name(struct aml_builder *b, const char *path)
{
	aml_byte(b, AML_NAME_OP);
	aml_name_string(b, path);
}

size_t aml_scope_begin(struct aml_builder *b, const char *path)
{
	size_t mark;

	aml_byte(b, AML_SCOPE_OP);
	mark = aml_pkg_open(b);
	aml_name_string(b, path);
	return mark;
}

size_t aml_device_begin(struct aml_builder *b, const char *path)
{
	size_t mark;

	aml_byte(b, AML_EXT_PREFIX);
	aml_byte(b, AML_EXT_DEVICE_OP);
	mark = aml_pkg_open(b);
	aml_name_string(b, path);
	return mark;
}

size_t aml_method_begin(struct aml_builder *b, const char *path, unsigned nargs)
{
	size_t mark;

	if (nargs > 7)
		aml_fail(b, -EINVAL);
	aml_byte(b, AML_METHOD_OP);
	mark = aml_pkg_open(b);
	aml_name_string(b, path);
	aml_byte(b, (uint8_t)(nargs & 7)); /* NotSerialized, SyncLevel 0 */
	return mark;
}

size_t aml_package_begin(struct aml_builder *b, unsigned nelems)
{
	size_t mark;

	if (nelems > 255)
		aml_fail(b, -EINVAL);
	aml_byte(b, AML_PACKAGE_OP);
	mark = aml_pkg_open(b);
	aml_byte(b, (uint8_t)nelems);
	return mark;
}

void aml_return(struct aml_builder *b)
{
	aml_byte(b, AML_RETURN_OP);
}

void aml_res_init(struct aml_res *r, uint8_t *buf, size_t cap)
{
	r->buf = buf;
	r->cap = buf ? cap : 0;
	r->len = 0;
	r->err = 0;
}

static void aml_res_put(struct aml_res *r, const uint8_t *d, size_t n)
{
	if (r->err)
		return;
	if (n > r->cap - r->len) {
		r->err = -ENOSPC;
		return;
	}
	memcpy(r->buf + r->len, d, n);
	r->len += n;
}

void aml_res_io(struct aml_res *r, uint16_t base, uint8_t len)
{
	/* Small item 0x08 (I/O port), 7 bytes; bit 0 of info = 16-bit decode. */
	const uint8_t d[8] = {
		0x47,          0x01,
		(uint8_t)base, (uint8_t)(base >> 8),
		(uint8_t)base, (uint8_t)(base >> 8),
		0x01,          len,
	};

	aml_res_put(r, d, sizeof(d));
}

static void aml_res_irq(struct aml_res *r, uint32_t gsi, bool edge, bool active_low, bool shared)
{
	/*
	 * Large item 0x09 (extended interrupt), one GSI. Flags: bit 0 consumer,
	 * bit 1 edge, bit 2 active low, bit 3 shared; the wake bit stays clear.
	 */
	uint8_t flags = 0x01 | (edge ? 0x02 : 0) | (active_low ? 0x04 : 0) | (shared ? 0x08 : 0);
	const uint8_t d[9] = {
		0x89,
		0x06,
		0x00,
		flags,
		0x01,
		(uint8_t)gsi,
		(uint8_t)(gsi >> 8),
		(uint8_t)(gsi >> 16),
		(uint8_t)(gsi >> 24),
	};

	aml_res_put(r, d, sizeof(d));
}

void aml_res_interrupt(struct aml_res *r, uint32_t gsi, bool edge, bool active_low)
{
	aml_res_irq(r, gsi, edge, active_low, false);
}

void aml_res_interrupt_shared(struct aml_res *r, uint32_t gsi, bool edge, bool active_low)
{
	aml_res_irq(r, gsi, edge, active_low, true);
}

/* Address space resource types and the general flags of a bridge window. */
#define AML_RES_TYPE_MEM     0
#define AML_RES_TYPE_IO      1
#define AML_RES_TYPE_BUS     2
#define AML_RES_WINDOW_FLAGS 0x0C /* MaxFixed | MinFixed, producer, positive decode */

/*
 * Large items 0x88 (Word), 0x87 (DWord) and 0x8A (QWord) address space
 * descriptors: type, flags, then granularity, min, max, translation offset
 * and length, each @width bytes.
 */
static void aml_res_window(struct aml_res *r, uint8_t tag, unsigned width, uint8_t type,
                           uint8_t type_flags, uint64_t min, uint64_t max)
{
	const uint64_t fields[5] = { 0, min, max, 0, max - min + 1 };
	uint8_t d[3 + 3 + 5 * 8];
	size_t n = 0;

	if (max < min) {
		if (!r->err)
			r->err = -EINVAL;
		return;
	}
	d[n++] = tag;
	d[n++] = (uint8_t)(3 + 5 * width);
	d[n++] = 0;
	d[n++] = type;
	d[n++] = AML_RES_WINDOW_FLAGS;
	d[n++] = type_flags;
	for (unsigned f = 0; f < 5; f++)
		for (unsigned i = 0; i < width; i++)
			d[n++] = (uint8_t)(fields[f] >> (8 * i));
	aml_res_put(r, d, n);
}

void aml_res_bus_window(struct aml_res *r, uint16_t min, uint16_t max)
{
	aml_res_window(r, 0x88, 2, AML_RES_TYPE_BUS, 0, min, max);
}

void aml_res_io_window(struct aml_res *r, uint16_t min, uint16_t max)
{
	/* Type flags 3: the window decodes both ISA and non-ISA ranges. */
	aml_res_window(r, 0x88, 2, AML_RES_TYPE_IO, 0x03, min, max);
}

void aml_res_mem32_window(struct aml_res *r, uint32_t min, uint32_t max)
{
	/* Type flags: read-write, non-cacheable. */
	aml_res_window(r, 0x87, 4, AML_RES_TYPE_MEM, 0x01, min, max);
}

void aml_res_mem64_window(struct aml_res *r, uint64_t min, uint64_t max)
{
	/* Type flags: read-write, prefetchable (64-bit BARs usually are). */
	aml_res_window(r, 0x8A, 8, AML_RES_TYPE_MEM, 0x07, min, max);
}

void aml_res_mem32_fixed(struct aml_res *r, uint32_t base, uint32_t len)
{
	/* Large item 0x06, 9 bytes: info (bit 0 read-write), base, length. */
	const uint8_t d[12] = {
		0x86,
		0x09,
		0x00,
		0x01,
		(uint8_t)base,
		(uint8_t)(base >> 8),
		(uint8_t)(base >> 16),
		(uint8_t)(base >> 24),
		(uint8_t)len,
		(uint8_t)(len >> 8),
		(uint8_t)(len >> 16),
		(uint8_t)(len >> 24),
	};

	aml_res_put(r, d, sizeof(d));
}

long aml_res_finish(struct aml_res *r)
{
	/* End tag; a zero checksum means "treat as valid". */
	const uint8_t d[2] = { 0x79, 0x00 };

	aml_res_put(r, d, sizeof(d));
	if (r->err)
		return r->err;
	return (long)r->len;
}
