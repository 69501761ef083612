/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the ACPI table builder and the AML emitter. The DSDT is
 * checked by an independent little AML walker here, and, when the ACPICA
 * disassembler is installed, by `iasl -d` (run this binary with --iasl; it
 * exits 77, "skipped", without iasl).
 */
/* hv headers first: GLib then replaces their MIN/MAX with identical ones. */
#include <arch/acpi_build.h>
#include <arch/aml.h>
#include <hv/errno.h>
#include <hv/log.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Host stand-in for the hypervisor log: keep the last line for assertions. */
enum log_level log_threshold = LOG_DEBUG;
static char last_log[512];

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
	if (g_test_verbose())
		g_printerr("log: %s", last_log);
}

#define RAM_SIZE (2u << 20)

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

struct vm {
	uint8_t *ram;
	struct x86_vm_layout l;
};

static void vm_init(struct vm *vm, unsigned nr_vcpus)
{
	vm->ram = g_malloc(RAM_SIZE);
	memset(vm->ram, 0xA5, RAM_SIZE); /* not zero: tables must not rely on it */
	vm->l = (struct x86_vm_layout){
		.ram = vm->ram,
		.ram_size = RAM_SIZE,
		.nr_vcpus = nr_vcpus,
		.ioapic_id = (uint8_t)nr_vcpus,
		.uart_port = 0x3F8,
		.uart_irq = 4,
	};
}

static void vm_fini(struct vm *vm)
{
	g_free(vm->ram);
}

/* Pointer to a table at @gpa, checked to lie inside the ACPI area. */
static const uint8_t *table_at(const struct vm *vm, uint64_t gpa, const char *sig)
{
	const uint8_t *t;
	uint32_t len;

	g_assert_cmpuint(gpa, >=, ACPI_AREA_GPA);
	g_assert_cmpuint(gpa + ACPI_HDR_LEN, <=, X86_RESET_VECTOR_GPA);
	t = vm->ram + gpa;
	g_assert_cmpmem(t, 4, sig, 4);
	len = rd32(t + 4);
	g_assert_cmpuint(len, >=, ACPI_HDR_LEN);
	g_assert_cmpuint(gpa + len, <=, X86_RESET_VECTOR_GPA);
	g_assert_cmpuint(acpi_checksum(t, len), ==, 0);
	g_assert_cmpmem(t + 10, 6, "ACRN  ", 6);
	return t;
}

static void build(struct vm *vm)
{
	g_assert_cmpint(acpi_build_tables(&vm->l), ==, 0);
}

static const uint8_t *get_rsdp(const struct vm *vm)
{
	const uint8_t *r = vm->ram + ACPI_RSDP_GPA;

	g_assert_cmpmem(r, 8, "RSD PTR ", 8);
	return r;
}

static const uint8_t *get_table(const struct vm *vm, const char *sig)
{
	const uint8_t *xsdt = table_at(vm, rd64(get_rsdp(vm) + 24), "XSDT");
	uint32_t n = (rd32(xsdt + 4) - ACPI_HDR_LEN) / 8;

	if (!strcmp(sig, "XSDT"))
		return xsdt;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t gpa = rd64(xsdt + ACPI_HDR_LEN + 8 * i);

		if (!memcmp(vm->ram + gpa, sig, 4))
			return table_at(vm, gpa, sig);
	}
	if (!strcmp(sig, "DSDT")) {
		const uint8_t *fadt = get_table(vm, "FACP");

		return table_at(vm, rd64(fadt + ACPI_FADT_OFF_X_DSDT), "DSDT");
	}
	g_assert_not_reached();
}

static void test_rsdp(void)
{
	struct vm vm;
	const uint8_t *r;

	vm_init(&vm, 1);
	build(&vm);
	r = get_rsdp(&vm);
	g_assert_cmpuint(acpi_checksum(r, ACPI_RSDP_V1_LEN), ==, 0);
	g_assert_cmpuint(acpi_checksum(r, ACPI_RSDP_LEN), ==, 0);
	g_assert_cmpuint(r[15], ==, 2);
	g_assert_cmpuint(rd32(r + 20), ==, ACPI_RSDP_LEN);
	g_assert_cmpmem(r + 9, 6, "ACRN  ", 6);
	table_at(&vm, rd64(r + 24), "XSDT");
	table_at(&vm, rd32(r + 16), "RSDT");
	/* Linux's legacy scan wants the RSDP 16-byte aligned in 0xE0000-0xFFFFF. */
	g_assert_cmpuint(ACPI_RSDP_GPA % 16, ==, 0);
	vm_fini(&vm);
}

static void test_xsdt_rsdt(void)
{
	static const char *const sigs[] = { "XSDT", "FACP", "APIC", "DSDT" };
	struct vm vm;
	const uint8_t *r, *x, *rs;
	uint64_t lo[8], hi[8];
	unsigned n = 0;

	vm_init(&vm, 4);
	build(&vm);
	r = get_rsdp(&vm);
	x = table_at(&vm, rd64(r + 24), "XSDT");
	rs = table_at(&vm, rd32(r + 16), "RSDT");
	g_assert_cmpuint(rd32(x + 4), ==, ACPI_HDR_LEN + 2 * 8);
	g_assert_cmpuint(rd32(rs + 4), ==, ACPI_HDR_LEN + 2 * 4);

	/* Same tables in both, FADT first. */
	for (unsigned i = 0; i < 2; i++)
		g_assert_cmpuint(rd64(x + ACPI_HDR_LEN + 8 * i), ==,
		                 rd32(rs + ACPI_HDR_LEN + 4 * i));
	table_at(&vm, rd64(x + ACPI_HDR_LEN), "FACP");
	table_at(&vm, rd64(x + ACPI_HDR_LEN + 8), "APIC");

	/* No two structures overlap. */
	lo[n] = ACPI_RSDP_GPA;
	hi[n++] = ACPI_RSDP_GPA + ACPI_RSDP_LEN;
	lo[n] = (uint64_t)(rs - vm.ram);
	hi[n++] = (uint64_t)(rs - vm.ram) + rd32(rs + 4);
	for (unsigned i = 0; i < G_N_ELEMENTS(sigs); i++) {
		const uint8_t *t = get_table(&vm, sigs[i]);

		lo[n] = (uint64_t)(t - vm.ram);
		hi[n++] = (uint64_t)(t - vm.ram) + rd32(t + 4);
	}
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++)
			g_assert_true(hi[i] <= lo[j] || hi[j] <= lo[i]);
	vm_fini(&vm);
}

static void check_gas_io8(const uint8_t *g, uint16_t port)
{
	g_assert_cmpuint(g[0], ==, 1); /* SystemIO */
	g_assert_cmpuint(g[1], ==, 8);
	g_assert_cmpuint(g[2], ==, 0);
	g_assert_cmpuint(g[3], ==, 1);
	g_assert_cmpuint(rd64(g + 4), ==, port);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void test_fadt(void)
{
	struct vm vm;
	const uint8_t *f, *dsdt;
	uint32_t flags;
	uint16_t iapc;

	vm_init(&vm, 2);
	build(&vm);
	f = get_table(&vm, "FACP");
	g_assert_cmpuint(rd32(f + 4), ==, ACPI_FADT_LEN);
	g_assert_cmpuint(f[8], ==, 6);
	g_assert_cmpuint(f[ACPI_FADT_OFF_MINOR], ==, ACPI_FADT_MINOR);

	flags = rd32(f + ACPI_FADT_OFF_FLAGS);
	g_assert_true(flags & ACPI_FADT_HW_REDUCED);
	g_assert_true(flags & ACPI_FADT_RESET_REG_SUP);
	g_assert_true(flags & ACPI_FADT_PWR_BUTTON); /* no fixed power button */

	iapc = rd16(f + ACPI_FADT_OFF_IAPC_BOOT);
	g_assert_false(iapc & ACPI_IAPC_LEGACY_DEVICES);
	g_assert_false(iapc & ACPI_IAPC_8042);
	g_assert_true(iapc & ACPI_IAPC_VGA_NOT_PRESENT);
	g_assert_true(iapc & ACPI_IAPC_CMOS_RTC_ABSENT);

	/* No FACS, SMI command port, PM1/PM2/PM timer/GPE blocks. */
	g_assert_cmpuint(rd32(f + ACPI_FADT_OFF_FIRMWARE_CTRL), ==, 0);
	g_assert_cmpuint(rd64(f + ACPI_FADT_OFF_X_FW_CTRL), ==, 0);
	g_assert_cmpuint(rd32(f + ACPI_FADT_OFF_SMI_CMD), ==, 0);
	g_assert_true(all_zero(f + ACPI_FADT_OFF_PM1A_EVT, 88 - 56)); /* PM1a..GPE1 */
	g_assert_true(all_zero(f + ACPI_FADT_OFF_PM1_EVT_LEN, 6));    /* block lengths */
	g_assert_true(all_zero(f + ACPI_FADT_OFF_X_PM1A_EVT, 244 - 148));
	g_assert_cmpuint(f[ACPI_FADT_OFF_PM_TMR_LEN], ==, 0);
	g_assert_cmpuint(rd32(f + ACPI_FADT_OFF_PM_TMR), ==, 0);
	g_assert_true(all_zero(f + ACPI_FADT_OFF_X_PM_TMR, 12));
	g_assert_cmpuint(f[ACPI_FADT_OFF_CENTURY], ==, 0);
	g_assert_cmpuint(rd16(f + ACPI_FADT_OFF_P_LVL2_LAT), >, 100);
	g_assert_cmpuint(rd16(f + ACPI_FADT_OFF_P_LVL3_LAT), >, 1000);

	/* Sleep control/status and reset register as in the contract. */
	check_gas_io8(f + ACPI_FADT_OFF_SLEEP_CTRL, ACPI_SLEEP_CTRL_PORT);
	check_gas_io8(f + ACPI_FADT_OFF_SLEEP_STS, ACPI_SLEEP_STS_PORT);
	check_gas_io8(f + ACPI_FADT_OFF_RESET_REG, ACPI_RESET_PORT);
	g_assert_cmpuint(f[ACPI_FADT_OFF_RESET_VALUE], ==, 0x06);
	g_assert_cmpuint(ACPI_S5_SLP_TYP << 2 | 0x20, ==, 0x34); /* SLP_TYP | SLP_EN */

	dsdt = get_table(&vm, "DSDT");
	g_assert_cmpuint(rd64(f + ACPI_FADT_OFF_X_DSDT), ==, (uint64_t)(dsdt - vm.ram));
	g_assert_cmpuint(rd32(f + ACPI_FADT_OFF_DSDT), ==, (uint64_t)(dsdt - vm.ram));
	g_assert_cmpmem(f + ACPI_FADT_OFF_HV_VENDOR, 4, "ACRN", 4);
	vm_fini(&vm);
}

static void check_madt(unsigned nr_vcpus)
{
	struct vm vm;
	const uint8_t *m, *p, *end;
	unsigned nlapic = 0, nx2apic = 0, nioapic = 0;
	bool seen[512] = { false };

	g_assert_cmpuint(nr_vcpus, <=, G_N_ELEMENTS(seen));
	vm_init(&vm, nr_vcpus);
	vm.l.ioapic_id = (uint8_t)nr_vcpus;
	build(&vm);
	m = get_table(&vm, "APIC");
	g_assert_cmpuint(rd32(m + ACPI_HDR_LEN), ==, 0xFEE00000u);
	g_assert_cmpuint(rd32(m + ACPI_HDR_LEN + 4), ==, 0); /* no PCAT_COMPAT */

	p = m + ACPI_HDR_LEN + 8;
	end = m + rd32(m + 4);
	while (p < end) {
		g_assert_cmpuint(p[1], >=, 2);
		g_assert_true(p + p[1] <= end);
		switch (p[0]) {
		case ACPI_MADT_LAPIC:
			g_assert_cmpuint(p[1], ==, 8);
			g_assert_cmpuint(p[2], ==, p[3]); /* UID == APIC id */
			g_assert_cmpuint(p[3], <, 255);
			g_assert_false(seen[p[3]]);
			seen[p[3]] = true;
			g_assert_cmpuint(rd32(p + 4), ==, 1);
			nlapic++;
			break;
		case ACPI_MADT_X2APIC:
			g_assert_cmpuint(p[1], ==, 16);
			g_assert_cmpuint(rd32(p + 4), >=, 255); /* only where LAPIC can't */
			g_assert_cmpuint(rd32(p + 4), <, nr_vcpus);
			g_assert_cmpuint(rd32(p + 12), ==, rd32(p + 4));
			g_assert_false(seen[rd32(p + 4)]);
			seen[rd32(p + 4)] = true;
			g_assert_cmpuint(rd32(p + 8), ==, 1);
			nx2apic++;
			break;
		case ACPI_MADT_IOAPIC:
			g_assert_cmpuint(p[1], ==, 12);
			g_assert_cmpuint(p[2], ==, nr_vcpus & 0xFF);
			g_assert_cmpuint(rd32(p + 4), ==, 0xFEC00000u);
			g_assert_cmpuint(rd32(p + 8), ==, 0);
			nioapic++;
			break;
		default:
			/* No overrides or NMI sources: GSI == IRQ, no 8259s. */
			g_assert_not_reached();
		}
		p += p[1];
	}
	g_assert_true(p == end);
	g_assert_cmpuint(nlapic, ==, MIN(nr_vcpus, 255));
	g_assert_cmpuint(nx2apic, ==, nr_vcpus > 255 ? nr_vcpus - 255 : 0);
	g_assert_cmpuint(nioapic, ==, 1);
	for (unsigned i = 0; i < nr_vcpus; i++)
		g_assert_true(seen[i]);
	vm_fini(&vm);
}

static void test_madt_1(void)
{
	check_madt(1);
}

static void test_madt_4(void)
{
	check_madt(4);
}

static void test_madt_x2apic(void)
{
	check_madt(300);
}

/*
 * A small AML walker, written from the spec independently of the builder:
 * it understands exactly the opcodes a DSDT of ours may contain, checks
 * every PkgLength against its parent and records each named object.
 */
struct aml_obj {
	char path[64];
	char kind; /* 'i' integer, 's' string, 'b' buffer, 'p' package, 'd' device, 'm' method */
	uint64_t ival;
	const uint8_t *data; /* string bytes, buffer bytes, package or method body */
	size_t len;
	unsigned count; /* package elements, method args */
};

struct aml_walk {
	struct aml_obj objs[4200];
	unsigned n;
};

static size_t walk_pkglen(const uint8_t *p, const uint8_t *end, size_t *len)
{
	unsigned extra;

	g_assert_true(p < end);
	extra = p[0] >> 6;
	if (!extra) {
		*len = p[0] & 0x3F;
		return 1;
	}
	g_assert_true(p + extra < end);
	g_assert_cmpuint(p[0] & 0x30, ==, 0);
	*len = p[0] & 0x0F;
	for (unsigned i = 0; i < extra; i++)
		*len |= (size_t)p[1 + i] << (4 + 8 * i);
	/* Encoded minimally, as our builder promises. */
	if (extra == 1)
		g_assert_cmpuint(*len, >, 0x3F);
	else
		g_assert_cmpuint(*len, >=, (size_t)1 << (4 + 8 * (extra - 1)));
	return 1 + extra;
}

static size_t walk_name(const uint8_t *p, const uint8_t *end, const char *scope, char *out,
                        size_t outsz)
{
	const uint8_t *s = p;
	unsigned nsegs;
	GString *str = g_string_new(NULL);

	if (*p == '\\') {
		g_string_append_c(str, '\\');
		p++;
	} else {
		g_assert_cmpuint(*p, !=, '^'); /* we never emit parent prefixes */
		g_string_append(str, scope);
	}
	g_assert_true(p < end);
	if (*p == 0x2E) {
		nsegs = 2;
		p++;
	} else if (*p == 0x2F) {
		nsegs = p[1];
		p += 2;
	} else if (*p == 0x00) {
		nsegs = 0;
		p++;
	} else {
		nsegs = 1;
	}
	for (unsigned i = 0; i < nsegs; i++) {
		g_assert_true(p + 4 <= end);
		for (unsigned c = 0; c < 4; c++)
			g_assert_true(g_ascii_isupper(p[c]) || g_ascii_isdigit(p[c]) ||
			              p[c] == '_');
		g_assert_false(g_ascii_isdigit(p[0]));
		if (str->len && str->str[str->len - 1] != '\\')
			g_string_append_c(str, '.');
		g_string_append_len(str, (const char *)p, 4);
		p += 4;
	}
	g_assert_cmpuint(str->len, <, outsz);
	strcpy(out, str->str);
	g_string_free(str, TRUE);
	return (size_t)(p - s);
}

static size_t walk_data(const uint8_t *p, const uint8_t *end, struct aml_obj *o);

static size_t walk_int(const uint8_t *p, const uint8_t *end, uint64_t *v, bool *ok)
{
	unsigned n;

	*ok = true;
	switch (p[0]) {
	case 0x00:
		*v = 0;
		return 1;
	case 0x01:
		*v = 1;
		return 1;
	case 0xFF:
		*v = UINT64_MAX;
		return 1;
	case 0x0A:
		n = 1;
		break;
	case 0x0B:
		n = 2;
		break;
	case 0x0C:
		n = 4;
		break;
	case 0x0E:
		n = 8;
		break;
	default:
		*ok = false;
		return 0;
	}
	g_assert_true(p + 1 + n <= end);
	*v = 0;
	for (unsigned i = 0; i < n; i++)
		*v |= (uint64_t)p[1 + i] << (8 * i);
	return 1 + n;
}

static size_t walk_data(const uint8_t *p, const uint8_t *end, struct aml_obj *o)
{
	const uint8_t *s = p;
	size_t len, hl;
	uint64_t v;
	bool ok;

	g_assert_true(p < end);
	hl = walk_int(p, end, &v, &ok);
	if (ok) {
		o->kind = 'i';
		o->ival = v;
		return hl;
	}
	switch (*p) {
	case 0x0D: /* string */
		p++;
		o->kind = 's';
		o->data = p;
		while (p < end && *p)
			p++;
		g_assert_true(p < end);
		o->len = (size_t)(p - o->data);
		return (size_t)(p + 1 - s);
	case 0x11: { /* buffer */
		const uint8_t *body;

		p++;
		hl = walk_pkglen(p, end, &len);
		g_assert_true(p + len <= end);
		body = p + hl;
		hl = walk_int(body, p + len, &v, &ok);
		g_assert_true(ok);
		g_assert_cmpuint(v, ==, (size_t)(p + len - (body + hl)));
		o->kind = 'b';
		o->data = body + hl;
		o->len = (size_t)v;
		return 1 + len;
	}
	case 0x12: { /* package */
		const uint8_t *q, *pend;
		struct aml_obj el;

		p++;
		hl = walk_pkglen(p, end, &len);
		pend = p + len;
		g_assert_true(pend <= end);
		o->kind = 'p';
		o->count = p[hl];
		o->data = p + hl + 1;
		q = o->data;
		for (unsigned i = 0; i < o->count; i++)
			q += walk_data(q, pend, &el);
		g_assert_true(q == pend);
		o->len = (size_t)(pend - o->data);
		return 1 + len;
	}
	default:
		g_error("unexpected AML data opcode 0x%02x", *p);
	}
	return 0;
}

static void walk_terms(struct aml_walk *w, const uint8_t *p, const uint8_t *end, const char *scope)
{
	while (p < end) {
		struct aml_obj *o;
		const uint8_t *body, *next;
		size_t len, hl;
		char path[64];

		switch (p[0]) {
		case 0x08: /* Name */
			g_assert_cmpuint(w->n, <, G_N_ELEMENTS(w->objs));
			o = &w->objs[w->n++];
			memset(o, 0, sizeof(*o));
			p++;
			p += walk_name(p, end, scope, o->path, sizeof(o->path));
			p += walk_data(p, end, o);
			break;
		case 0x10: /* Scope */
		case 0x14: /* Method */
		case 0x5B: /* ExtOpPrefix: Device only */
			if (p[0] == 0x5B) {
				g_assert_cmpuint(p[1], ==, 0x82);
				p++;
			}
			hl = walk_pkglen(p + 1, end, &len);
			next = p + 1 + len;
			g_assert_true(next <= end);
			body = p + 1 + hl;
			body += walk_name(body, next, scope, path, sizeof(path));
			if (p[0] == 0x10) {
				walk_terms(w, body, next, path);
			} else {
				g_assert_cmpuint(w->n, <, G_N_ELEMENTS(w->objs));
				o = &w->objs[w->n++];
				memset(o, 0, sizeof(*o));
				strcpy(o->path, path);
				if (p[0] == 0x82) {
					o->kind = 'd';
					walk_terms(w, body, next, path);
				} else {
					o->kind = 'm';
					o->count = body[0] & 7;
					o->data = body + 1;
					o->len = (size_t)(next - o->data);
				}
			}
			p = next;
			break;
		default:
			g_error("unexpected AML opcode 0x%02x", p[0]);
		}
	}
	g_assert_true(p == end);
}

static const struct aml_obj *find_obj(const struct aml_walk *w, const char *path)
{
	for (unsigned i = 0; i < w->n; i++)
		if (!strcmp(w->objs[i].path, path))
			return &w->objs[i];
	return NULL;
}

static struct aml_walk *walk_dsdt(const struct vm *vm)
{
	const uint8_t *d = get_table(vm, "DSDT");
	struct aml_walk *w = g_new0(struct aml_walk, 1);

	g_assert_cmpuint(d[8], ==, 2); /* 64-bit integers */
	walk_terms(w, d + ACPI_HDR_LEN, d + rd32(d + 4), "\\");
	return w;
}

static void test_dsdt(void)
{
	static const uint8_t io[] = { 0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x01, 0x08 };
	/* Extended interrupt: consumer, edge, active high, exclusive, GSI 4. */
	static const uint8_t irq[] = { 0x89, 0x06, 0x00, 0x03, 0x01, 0x04, 0x00, 0x00, 0x00 };
	static const uint8_t sta[] = { 0xA4, 0x0A, 0x0F };
	const struct aml_obj *o;
	struct aml_walk *w;
	struct vm vm;
	const uint8_t *crs;

	vm_init(&vm, 4);
	build(&vm);
	w = walk_dsdt(&vm);

	o = find_obj(w, "\\_S5_");
	g_assert_nonnull(o);
	g_assert_cmpint(o->kind, ==, 'p');
	g_assert_cmpuint(o->count, >=, 1);
	g_assert_cmpuint(o->data[0], ==, 0x0A);
	g_assert_cmpuint(o->data[1], ==, 5); /* SLP_TYP 5: 5 << 2 | SLP_EN = 0x34 */

	g_assert_nonnull(o = find_obj(w, "\\_SB_.COM1"));
	g_assert_cmpint(o->kind, ==, 'd');
	g_assert_nonnull(o = find_obj(w, "\\_SB_.COM1._HID"));
	g_assert_cmpint(o->kind, ==, 'i');
	g_assert_cmphex(o->ival, ==, 0x0105D041); /* EisaId ("PNP0501") */
	g_assert_nonnull(o = find_obj(w, "\\_SB_.COM1._UID"));
	g_assert_cmpint(o->kind, ==, 'i');
	g_assert_cmpuint(o->ival, ==, 0);
	g_assert_nonnull(o = find_obj(w, "\\_SB_.COM1._STA"));
	g_assert_cmpint(o->kind, ==, 'm');
	g_assert_cmpuint(o->count, ==, 0);
	g_assert_cmpmem(o->data, o->len, sta, sizeof(sta));

	g_assert_nonnull(o = find_obj(w, "\\_SB_.COM1._CRS"));
	g_assert_cmpint(o->kind, ==, 'b');
	crs = o->data;
	g_assert_cmpuint(o->len, ==, sizeof(io) + sizeof(irq) + 2);
	g_assert_cmpmem(crs, sizeof(io), io, sizeof(io));
	g_assert_cmpmem(crs + sizeof(io), sizeof(irq), irq, sizeof(irq));
	g_assert_cmpuint(crs[o->len - 2], ==, 0x79); /* end tag */

	for (unsigned i = 0; i < 4; i++) {
		char path[32];

		snprintf(path, sizeof(path), "\\_SB_.C%03X", i);
		g_assert_nonnull(o = find_obj(w, path));
		g_assert_cmpint(o->kind, ==, 'd');
		snprintf(path, sizeof(path), "\\_SB_.C%03X._HID", i);
		g_assert_nonnull(o = find_obj(w, path));
		g_assert_cmpint(o->kind, ==, 's');
		g_assert_cmpmem(o->data, o->len, "ACPI0007", 8);
		snprintf(path, sizeof(path), "\\_SB_.C%03X._UID", i);
		g_assert_nonnull(o = find_obj(w, path));
		g_assert_cmpuint(o->ival, ==, i);
	}
	g_assert_null(find_obj(w, "\\_SB_.C004"));
	g_free(w);
	vm_fini(&vm);
}

static void test_dsdt_no_uart_many_cpus(void)
{
	struct aml_walk *w;
	struct vm vm;

	vm_init(&vm, 300); /* > 63 bytes per scope: multi-byte PkgLengths */
	vm.l.uart_port = 0;
	build(&vm);
	w = walk_dsdt(&vm);
	g_assert_null(find_obj(w, "\\_SB_.COM1"));
	g_assert_nonnull(find_obj(w, "\\_SB_.C12B._UID"));
	g_assert_cmpuint(find_obj(w, "\\_SB_.C12B._UID")->ival, ==, 299);
	g_free(w);
	vm_fini(&vm);
}

static void test_bad_layout(void)
{
	struct vm vm;
	uint8_t small[64];

	vm_init(&vm, 1);
	vm.l.nr_vcpus = 0;
	g_assert_cmpint(acpi_build_tables(&vm.l), ==, -EINVAL);
	vm.l.nr_vcpus = ACPI_MAX_VCPUS + 1;
	g_assert_cmpint(acpi_build_tables(&vm.l), ==, -EINVAL);
	vm.l.nr_vcpus = 1;
	vm.l.uart_irq = 24;
	g_assert_cmpint(acpi_build_tables(&vm.l), ==, -EINVAL);
	vm.l.uart_irq = 4;
	vm.l.ram_size = ACPI_AREA_END - 1;
	g_assert_cmpint(acpi_build_tables(&vm.l), ==, -EINVAL);
	vm.l.ram_size = RAM_SIZE;
	g_assert_cmpint(acpi_build_tables(NULL), ==, -EINVAL);

	/* Too small an area: -ENOSPC, and nothing written past it. */
	memset(small, 0x5A, sizeof(small));
	g_assert_cmpint(acpi_build_into(&vm.l, small, 0xE0000, 40), ==, -ENOSPC);
	for (unsigned i = 40; i < sizeof(small); i++)
		g_assert_cmpuint(small[i], ==, 0x5A);
	g_assert_nonnull(strstr(last_log, "do not fit"));

	/* The most vCPUs the DSDT can name overflow the 128 KiB area. */
	vm.l.nr_vcpus = ACPI_MAX_VCPUS;
	g_assert_cmpint(acpi_build_tables(&vm.l), ==, -ENOSPC);
	vm_fini(&vm);
}

/* Every byte budget from 0 up to the full size: never -ENOSPC when it fits. */
static void test_enospc_boundary(void)
{
	struct vm vm;
	uint8_t *buf;
	long need;

	vm_init(&vm, 4);
	buf = g_malloc(0x20000 + 16);
	need = acpi_build_into(&vm.l, buf, 0xE0000, 0x20000);
	g_assert_cmpint(need, >, 0);
	for (long sz = 0; sz < need; sz++) {
		memset(buf, 0xEE, (size_t)need + 16);
		g_assert_cmpint(acpi_build_into(&vm.l, buf, 0xE0000, (size_t)sz), ==, -ENOSPC);
		for (long i = sz; i < need + 16; i++)
			g_assert_cmpuint(buf[i], ==, 0xEE);
	}
	g_assert_cmpint(acpi_build_into(&vm.l, buf, 0xE0000, (size_t)need), ==, need);
	g_free(buf);
	vm_fini(&vm);
}

/* Real-mode stub at F000:FFF0: out 0xCF9, 0x06; then hlt forever. */
static void test_reset_stub(void)
{
	static const uint8_t expect[16] = { 0xB0, 0x06, 0xBA, 0xF9, 0x0C, 0xEE, 0xFA, 0xF4,
		                            0xEB, 0xFD, 0xF4, 0xF4, 0xF4, 0xF4, 0xF4, 0xF4 };
	struct vm vm;

	vm_init(&vm, 1);
	build(&vm);
	g_assert_cmpmem(vm.ram + X86_RESET_VECTOR_GPA, 16, expect, 16);
	g_assert_cmpuint(X86_RESET_VECTOR_GPA + X86_RESET_STUB_LEN, ==, ACPI_AREA_END);
	vm_fini(&vm);
}

/* AML builder unit checks. */
static long emit_name(const char *path, uint8_t *out, size_t cap)
{
	struct aml_builder b;

	aml_init(&b, out, cap);
	aml_name_string(&b, path);
	return aml_finish(&b);
}

static void test_aml_names(void)
{
	uint8_t o[64];

	g_assert_cmpint(emit_name("_S5", o, sizeof(o)), ==, 4);
	g_assert_cmpmem(o, 4, "_S5_", 4);
	g_assert_cmpint(emit_name("\\_SB", o, sizeof(o)), ==, 5);
	g_assert_cmpmem(o, 5, "\\_SB_", 5);
	g_assert_cmpint(emit_name("\\_SB.COM1", o, sizeof(o)), ==, 10);
	g_assert_cmpmem(o, 10, "\\\x2E_SB_COM1", 10);
	g_assert_cmpint(emit_name("^^A.B.C", o, sizeof(o)), ==, 16);
	g_assert_cmpmem(o, 16,
	                "^^\x2F\x03"
	                "A___B___C___",
	                16);
	g_assert_cmpint(emit_name("\\", o, sizeof(o)), ==, 2);
	g_assert_cmpmem(o, 2, "\\\0", 2);

	g_assert_cmpint(emit_name("1ABC", o, sizeof(o)), ==, -EINVAL);
	g_assert_cmpint(emit_name("ABCDE", o, sizeof(o)), ==, -EINVAL);
	g_assert_cmpint(emit_name("abc", o, sizeof(o)), ==, -EINVAL);
	g_assert_cmpint(emit_name("A.", o, sizeof(o)), ==, -EINVAL);
	g_assert_cmpint(emit_name("A..B", o, sizeof(o)), ==, -EINVAL);
	g_assert_cmpint(emit_name("\\_SB.COM1", o, 9), ==, -ENOSPC);
}

static void test_aml_integers(void)
{
	static const struct {
		uint64_t v;
		const char *bytes;
		size_t len;
	} cases[] = {
		{ 0, "\x00", 1 },
		{ 1, "\x01", 1 },
		{ 2, "\x0A\x02", 2 },
		{ 0xFF, "\x0A\xFF", 2 },
		{ 0x100, "\x0B\x00\x01", 3 },
		{ 0x12345678, "\x0C\x78\x56\x34\x12", 5 },
		{ 0x100000000ULL, "\x0E\x00\x00\x00\x00\x01\x00\x00\x00", 9 },
		{ UINT64_MAX, "\xFF", 1 },
	};
	struct aml_builder b;
	uint8_t o[16];

	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		aml_init(&b, o, sizeof(o));
		aml_integer(&b, cases[i].v);
		g_assert_cmpint(aml_finish(&b), ==, (long)cases[i].len);
		g_assert_cmpmem(o, cases[i].len, cases[i].bytes, cases[i].len);
	}

	aml_init(&b, o, sizeof(o));
	aml_eisaid(&b, "PNP0A03");
	g_assert_cmpint(aml_finish(&b), ==, 5);
	g_assert_cmpmem(o, 5, "\x0C\x41\xD0\x0A\x03", 5);
	aml_init(&b, o, sizeof(o));
	aml_eisaid(&b, "pnp0501");
	g_assert_cmpint(aml_finish(&b), ==, -EINVAL);
}

/* A package whose body is @body bytes long: check the PkgLength encoding. */
static void check_pkglen(size_t nelems, size_t expect_hdr)
{
	uint8_t *o = g_malloc(1 << 21);
	struct aml_builder b;
	size_t mark, len;
	long total;

	aml_init(&b, o, 1 << 21);
	aml_byte(&b, 0xAA); /* something before, to see it isn't moved */
	mark = aml_package_begin(&b, (unsigned)MIN(nelems, 255));
	for (size_t i = 0; i < nelems; i++)
		aml_integer(&b, 0x7F); /* 2 bytes each */
	aml_end(&b, mark);
	total = aml_finish(&b);
	g_assert_cmpint(total, ==, (long)(1 + 1 + expect_hdr + 1 + 2 * nelems));
	g_assert_cmpuint(o[0], ==, 0xAA);
	g_assert_cmpuint(o[1], ==, 0x12);
	walk_pkglen(o + 2, o + total, &len);
	g_assert_cmpuint(len, ==, expect_hdr + 1 + 2 * nelems);
	if (nelems) {
		g_assert_cmpuint(o[2 + expect_hdr + 1], ==, 0x0A);
		g_assert_cmpuint(o[total - 1], ==, 0x7F);
	}
	g_free(o);
}

static void test_aml_pkglen(void)
{
	check_pkglen(0, 1);
	check_pkglen(30, 1);     /* 1 + 1 + 60 = 62 */
	check_pkglen(31, 2);     /* 64 > 63 */
	check_pkglen(2046, 2);   /* 2 + 1 + 4092 = 4095 */
	check_pkglen(2047, 3);   /* 3 + 1 + 4094 = 4098 > 4095 */
	check_pkglen(600000, 4); /* > 1 MiB */
}

static void test_aml_overflow(void)
{
	struct aml_builder b;
	uint8_t o[70];
	size_t mark;

	/* Widening the PkgLength on close must not overrun the buffer. */
	memset(o, 0x33, sizeof(o));
	aml_init(&b, o, 67);
	mark = aml_package_begin(&b, 32);
	for (unsigned i = 0; i < 32; i++)
		aml_integer(&b, 0x10);
	g_assert_cmpint(aml_finish(&b), ==, 67); /* 1 + 1 + 1 + 64: fits, until... */
	aml_end(&b, mark);                       /* ...the PkgLength needs 2 bytes */
	g_assert_cmpint(aml_finish(&b), ==, -ENOSPC);
	for (unsigned i = 67; i < sizeof(o); i++)
		g_assert_cmpuint(o[i], ==, 0x33);

	/* Sticky: later calls do nothing. */
	aml_byte(&b, 1);
	g_assert_cmpint(aml_finish(&b), ==, -ENOSPC);
	aml_init(&b, NULL, 100);
	aml_byte(&b, 1);
	g_assert_cmpint(aml_finish(&b), ==, -ENOSPC);
}

/* --iasl: dump the tables and let ACPICA's disassembler judge them. */
static char *run_iasl(const char *dir, const char *file)
{
	char *argv[] = { "iasl", "-d", (char *)file, NULL };
	char *out = NULL, *err = NULL, *dsl, *dslpath, *base;
	GError *error = NULL;
	int status;

	g_assert_true(g_spawn_sync(dir, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
	                           &status, &error));
	if (g_test_verbose())
		g_printerr("%s%s", out, err);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	/* iasl reports problems as "Error" / "Warning" lines. */
	g_assert_null(strstr(out, "Error "));
	g_assert_null(strstr(err, "Error "));
	g_assert_null(strstr(out, "Warning "));
	g_assert_null(strstr(err, "Warning "));

	base = g_strndup(file, strlen(file) - 4);
	dslpath = g_strdup_printf("%s/%s.dsl", dir, base);
	g_assert_true(g_file_get_contents(dslpath, &dsl, NULL, NULL));
	g_free(base);
	g_free(dslpath);
	g_free(out);
	g_free(err);
	return dsl;
}

/* The disassembled DSDT must compile back with no errors or warnings. */
static void recompile_dsdt(const char *dir)
{
	char *argv[] = { "iasl", "-p", "dsdt-again", "dsdt.dsl", NULL };
	char *out = NULL, *err = NULL, *path;
	int status;

	g_assert_true(g_spawn_sync(dir, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
	                           &status, NULL));
	if (g_test_verbose())
		g_printerr("%s%s", out, err);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	g_assert_nonnull(strstr(out, " 0 Errors, 0 Warnings"));
	path = g_strdup_printf("%s/dsdt-again.aml", dir);
	g_unlink(path);
	g_free(path);
	g_free(out);
	g_free(err);
}

static void dump(const char *dir, const char *name, const uint8_t *t, size_t len)
{
	char *path = g_strdup_printf("%s/%s", dir, name);

	g_assert_true(g_file_set_contents(path, (const char *)t, (gssize)len, NULL));
	g_free(path);
}

static void test_iasl(void)
{
	static const char *const sigs[] = { "XSDT", "FACP", "APIC", "DSDT" };
	char *dir = g_dir_make_tmp("acrn-acpi-XXXXXX", NULL);
	struct vm vm;
	char *dsl;

	g_assert_nonnull(dir);
	vm_init(&vm, 4);
	build(&vm);
	/* iasl 2020 cannot disassemble a lone RSDP; the unit tests check it. */
	for (unsigned i = 0; i < G_N_ELEMENTS(sigs); i++) {
		const uint8_t *t = get_table(&vm, sigs[i]);
		char name[16];

		snprintf(name, sizeof(name), "%c%c%c%c.dat", g_ascii_tolower(sigs[i][0]),
		         g_ascii_tolower(sigs[i][1]), g_ascii_tolower(sigs[i][2]),
		         g_ascii_tolower(sigs[i][3]));
		dump(dir, name, t, rd32(t + 4));
	}

	dsl = run_iasl(dir, "dsdt.dat");
	g_assert_nonnull(strstr(dsl, "_S5"));
	g_assert_nonnull(strstr(dsl, "EisaId (\"PNP0501\")"));
	g_assert_nonnull(strstr(dsl, "IO (Decode16,"));
	g_assert_nonnull(strstr(dsl, "0x03F8"));
	g_assert_nonnull(strstr(dsl, "Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive"));
	g_assert_nonnull(strstr(dsl, "ACPI0007"));
	g_free(dsl);
	recompile_dsdt(dir);

	dsl = run_iasl(dir, "facp.dat");
	g_assert_nonnull(strstr(dsl, "Hardware Reduced (V5) : 1"));
	g_assert_nonnull(strstr(dsl, "Address : 0000000000000400"));
	g_assert_nonnull(strstr(dsl, "Address : 0000000000000CF9"));
	g_free(dsl);

	dsl = run_iasl(dir, "apic.dat");
	g_assert_nonnull(strstr(dsl, "Processor Local APIC"));
	g_assert_nonnull(strstr(dsl, "I/O APIC"));
	g_free(dsl);

	g_free(run_iasl(dir, "xsdt.dat"));

	if (!g_test_verbose()) {
		const char *files[] = { "xsdt", "facp", "apic", "dsdt" };

		for (unsigned i = 0; i < G_N_ELEMENTS(files); i++) {
			char *p = g_strdup_printf("%s/%s.dat", dir, files[i]);

			g_unlink(p);
			g_free(p);
			p = g_strdup_printf("%s/%s.dsl", dir, files[i]);
			g_unlink(p);
			g_free(p);
		}
		g_rmdir(dir);
	}
	g_free(dir);
	vm_fini(&vm);
}

int main(int argc, char **argv)
{
	bool iasl = argc > 1 && !strcmp(argv[1], "--iasl");

	if (iasl) {
		char *p = g_find_program_in_path("iasl");

		if (!p) {
			printf("iasl not found: skipping (install acpica-tools)\n");
			return 77;
		}
		g_free(p);
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	g_test_init(&argc, &argv, NULL);
	if (iasl) {
		g_test_add_func("/acpi/iasl", test_iasl);
		return g_test_run();
	}
	g_test_add_func("/acpi/rsdp", test_rsdp);
	g_test_add_func("/acpi/xsdt-rsdt", test_xsdt_rsdt);
	g_test_add_func("/acpi/fadt", test_fadt);
	g_test_add_func("/acpi/madt/1-vcpu", test_madt_1);
	g_test_add_func("/acpi/madt/4-vcpus", test_madt_4);
	g_test_add_func("/acpi/madt/x2apic", test_madt_x2apic);
	g_test_add_func("/acpi/dsdt", test_dsdt);
	g_test_add_func("/acpi/dsdt/no-uart-300-vcpus", test_dsdt_no_uart_many_cpus);
	g_test_add_func("/acpi/reset-stub", test_reset_stub);
	g_test_add_func("/acpi/bad-layout", test_bad_layout);
	g_test_add_func("/acpi/enospc-boundary", test_enospc_boundary);
	g_test_add_func("/aml/names", test_aml_names);
	g_test_add_func("/aml/integers", test_aml_integers);
	g_test_add_func("/aml/pkglen", test_aml_pkglen);
	g_test_add_func("/aml/overflow", test_aml_overflow);
	return g_test_run();
}
