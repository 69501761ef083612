/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ACPI tables of a pre-launched VM (see arch/acpi_build.h and
 * docs/x86-vm-platform.md). Layout inside the reserved area, each table
 * 16-byte aligned: RSDP, XSDT, RSDT, FADT, MADT, DSDT.
 */
#include <arch/acpi_build.h>
#include <arch/acpi_table.h>
#include <arch/aml.h>
#include <hv/errno.h>
#include <hv/le.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/types.h>

#define ACPI_OEM_TABLE_ID "ACRNVM  "
#define ACPI_TABLE_ALIGN  16

/* Generic Address Structure address space ids and access sizes. */
#define ACPI_GAS_ACCESS_BYTE 1

/* Bump allocator over the ACPI area; every table starts 16-byte aligned. */
struct acpi_area {
	uint8_t *dst;
	uint64_t gpa;
	size_t size;
	size_t used;
};

static uint8_t *acpi_alloc(struct acpi_area *a, size_t len, uint64_t *gpa)
{
	size_t off = ALIGN_UP(a->used, (size_t)ACPI_TABLE_ALIGN);

	if (off > a->size || len > a->size - off)
		return NULL;
	a->used = off + len;
	*gpa = a->gpa + off;
	memset(a->dst + off, 0, len);
	return a->dst + off;
}

static size_t acpi_room(const struct acpi_area *a)
{
	size_t off = ALIGN_UP(a->used, (size_t)ACPI_TABLE_ALIGN);

	return off >= a->size ? 0 : a->size - off;
}

static void build_fadt(uint8_t *t, uint64_t dsdt_gpa)
{
	acpi_table_header(t, "FACP", ACPI_FADT_LEN, ACPI_FADT_MAJOR, ACPI_OEM_TABLE_ID);

	/* No FACS: optional with HW_REDUCED_ACPI, and nothing would use it. */
	le_put32(t + ACPI_FADT_OFF_FIRMWARE_CTRL, 0);
	le_put32(t + ACPI_FADT_OFF_DSDT, (uint32_t)dsdt_gpa);
	t[ACPI_FADT_OFF_PM_PROFILE] = 0; /* unspecified */
	/*
	 * There is no SCI (no fixed events, no GPEs), but Linux still programs
	 * an override for SCI_INT; point it at unused pin 9 (the PC default)
	 * rather than pin 0 or the UART's pin.
	 */
	le_put16(t + ACPI_FADT_OFF_SCI_INT, 9);
	/* SMI_CMD, ACPI_ENABLE/DISABLE, PM1/PM2/PM timer/GPE blocks: all 0. */

	/* C2/C3 latencies above 100/1000 us mean "not supported". */
	le_put16(t + ACPI_FADT_OFF_P_LVL2_LAT, 101);
	le_put16(t + ACPI_FADT_OFF_P_LVL3_LAT, 1001);
	t[ACPI_FADT_OFF_CENTURY] = 0; /* no CMOS RTC */

	/*
	 * IAPC_BOOT_ARCH: LEGACY_DEVICES and 8042 clear (no ISA devices
	 * besides COM1, which the DSDT lists), no VGA, no CMOS RTC, and no
	 * PCI at all so no MSI either.
	 */
	le_put16(t + ACPI_FADT_OFF_IAPC_BOOT,
	         (uint16_t)(ACPI_IAPC_VGA_NOT_PRESENT | ACPI_IAPC_MSI_NOT_SUPPORTED |
	                    ACPI_IAPC_CMOS_RTC_ABSENT));

	le_put32(t + ACPI_FADT_OFF_FLAGS,
	         (uint32_t)(ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_PWR_BUTTON |
	                    ACPI_FADT_SLP_BUTTON | ACPI_FADT_FIX_RTC | ACPI_FADT_RESET_REG_SUP |
	                    ACPI_FADT_HW_REDUCED));

	acpi_gas_io(t + ACPI_FADT_OFF_RESET_REG, ACPI_RESET_PORT, 8, ACPI_GAS_ACCESS_BYTE);
	t[ACPI_FADT_OFF_RESET_VALUE] = ACPI_RESET_VALUE;
	t[ACPI_FADT_OFF_MINOR] = ACPI_FADT_MINOR;

	le_put64(t + ACPI_FADT_OFF_X_FW_CTRL, 0);
	/* Both DSDT fields agree, as ACPICA requires when both are set. */
	le_put64(t + ACPI_FADT_OFF_X_DSDT, dsdt_gpa);

	acpi_gas_io(t + ACPI_FADT_OFF_SLEEP_CTRL, ACPI_SLEEP_CTRL_PORT, 8, ACPI_GAS_ACCESS_BYTE);
	acpi_gas_io(t + ACPI_FADT_OFF_SLEEP_STS, ACPI_SLEEP_STS_PORT, 8, ACPI_GAS_ACCESS_BYTE);
	memcpy(t + ACPI_FADT_OFF_HV_VENDOR, "ACRN\0\0\0\0", 8);

	acpi_table_seal(t);
}

static size_t madt_len(unsigned nr_vcpus)
{
	size_t len = ACPI_HDR_LEN + 8 + 12; /* header, LAPIC address + flags, IOAPIC */

	for (unsigned i = 0; i < nr_vcpus; i++)
		len += i < 255 ? 8 : 16;
	return len;
}

static void build_madt(uint8_t *t, size_t len, const struct x86_vm_layout *l)
{
	uint8_t *p = t + ACPI_HDR_LEN;

	acpi_table_header(t, "APIC", (uint32_t)len, 5, ACPI_OEM_TABLE_ID);
	le_put32(p, (uint32_t)X86_LAPIC_GPA);
	/* Flags: no PCAT_COMPAT, there are no 8259s to disable. */
	le_put32(p + 4, 0);
	p += 8;

	/*
	 * APIC ids below 255 must use Processor Local APIC structures, larger
	 * ones Local x2APIC structures (ACPI 6.5, 5.2.12.12); never both for
	 * one CPU, or Linux counts it twice.
	 */
	for (unsigned i = 0; i < l->nr_vcpus; i++) {
		if (i < 255) {
			p[0] = ACPI_MADT_LAPIC;
			p[1] = 8;
			p[2] = (uint8_t)i;  /* ACPI processor UID */
			p[3] = (uint8_t)i;  /* APIC id */
			le_put32(p + 4, 1); /* enabled */
			p += 8;
		} else {
			p[0] = ACPI_MADT_X2APIC;
			p[1] = 16;
			le_put16(p + 2, 0);
			le_put32(p + 4, i);  /* x2APIC id */
			le_put32(p + 8, 1);  /* enabled */
			le_put32(p + 12, i); /* ACPI processor UID */
			p += 16;
		}
	}

	/* GSI == ISA IRQ for the pins used, so no interrupt source overrides. */
	p[0] = ACPI_MADT_IOAPIC;
	p[1] = 12;
	p[2] = l->ioapic_id;
	p[3] = 0;
	le_put32(p + 4, (uint32_t)X86_IOAPIC_GPA);
	le_put32(p + 8, 0); /* GSI base */

	acpi_table_seal(t);
}

/* DSDT body (after the header) into @buf; returns its length or -errno. */
static long build_dsdt_aml(uint8_t *buf, size_t cap, const struct x86_vm_layout *l)
{
	struct aml_builder b;
	size_t sb, dev, m, pkg;

	aml_init(&b, buf, cap);

	/*
	 * \_S5: SLP_TYP 5 for the sleep control register; its presence (with
	 * the FADT sleep registers) makes Linux register ACPI power-off.
	 */
	aml_name(&b, "\\_S5");
	pkg = aml_package_begin(&b, 4);
	aml_integer(&b, ACPI_S5_SLP_TYP);
	aml_integer(&b, 0);
	aml_integer(&b, 0);
	aml_integer(&b, 0);
	aml_end(&b, pkg);

	sb = aml_scope_begin(&b, "\\_SB");

	if (l->uart_port) {
		uint8_t crs[32];
		struct aml_res r;
		long crs_len;

		dev = aml_device_begin(&b, "COM1");
		aml_name(&b, "_HID");
		aml_eisaid(&b, "PNP0501");
		aml_name(&b, "_UID");
		aml_integer(&b, 0);
		aml_name(&b, "_DDN");
		aml_string(&b, "COM1");

		m = aml_method_begin(&b, "_STA", 0);
		aml_return(&b);
		aml_integer(&b, 0x0F); /* present, enabled, shown, functioning */
		aml_end(&b, m);

		aml_res_init(&r, crs, sizeof(crs));
		aml_res_io(&r, l->uart_port, 8);
		aml_res_interrupt(&r, l->uart_irq, true, false);
		crs_len = aml_res_finish(&r);
		if (crs_len < 0)
			return crs_len;
		aml_name(&b, "_CRS");
		aml_buffer(&b, crs, (size_t)crs_len);
		aml_end(&b, dev);
	}

	/* Processor devices, _UID matching the MADT processor UIDs. */
	acpi_dsdt_processors(&b, l->nr_vcpus);

	aml_end(&b, sb);
	return aml_finish(&b);
}

static int acpi_check_layout(const struct x86_vm_layout *l)
{
	if (!l) {
		pr_err("acpi: no VM layout\n");
		return -EINVAL;
	}
	if (l->nr_vcpus == 0 || l->nr_vcpus > ACPI_MAX_VCPUS) {
		pr_err("acpi: %u vCPUs, must be 1..%u\n", l->nr_vcpus, ACPI_MAX_VCPUS);
		return -EINVAL;
	}
	if (l->uart_port && l->uart_irq >= X86_IOAPIC_PINS) {
		pr_err("acpi: UART IRQ %u is not an IOAPIC pin (0..%u)\n", l->uart_irq,
		       X86_IOAPIC_PINS - 1);
		return -EINVAL;
	}
	if (l->uart_port && (unsigned)l->uart_port + 8 > 0x10000) {
		pr_err("acpi: UART port 0x%x out of range\n", l->uart_port);
		return -EINVAL;
	}
	return 0;
}

long acpi_build_into(const struct x86_vm_layout *l, uint8_t *dst, uint64_t dst_gpa, size_t size)
{
	struct acpi_area a = { .dst = dst, .gpa = dst_gpa, .size = size };
	uint64_t rsdp_gpa, xsdt_gpa, rsdt_gpa, fadt_gpa, madt_gpa, dsdt_gpa;
	uint8_t *rsdp, *xsdt, *rsdt, *fadt, *madt, *dsdt;
	size_t mlen;
	long aml_len;
	int ret;

	ret = acpi_check_layout(l);
	if (ret)
		return ret;
	if (!dst || dst_gpa >= X86_MMIO_HOLE_END || size > X86_MMIO_HOLE_END - dst_gpa) {
		pr_err("acpi: table area must lie below 4 GiB\n");
		return -EINVAL;
	}

	/* Two tables are listed in the XSDT/RSDT: FADT and MADT. */
	rsdp = acpi_alloc(&a, ACPI_RSDP_LEN, &rsdp_gpa);
	xsdt = rsdp ? acpi_alloc(&a, ACPI_HDR_LEN + 2 * 8, &xsdt_gpa) : NULL;
	rsdt = xsdt ? acpi_alloc(&a, ACPI_HDR_LEN + 2 * 4, &rsdt_gpa) : NULL;
	fadt = rsdt ? acpi_alloc(&a, ACPI_FADT_LEN, &fadt_gpa) : NULL;
	mlen = madt_len(l->nr_vcpus);
	madt = fadt ? acpi_alloc(&a, mlen, &madt_gpa) : NULL;
	if (!madt)
		goto nospc;

	/* The DSDT is AML of unknown length: build it in what is left. */
	dsdt = acpi_alloc(&a, 0, &dsdt_gpa);
	if (!dsdt || acpi_room(&a) < ACPI_HDR_LEN)
		goto nospc;
	aml_len = build_dsdt_aml(dsdt + ACPI_HDR_LEN, acpi_room(&a) - ACPI_HDR_LEN, l);
	if (aml_len == -ENOSPC)
		goto nospc;
	if (aml_len < 0) {
		pr_err("acpi: DSDT generation failed (%ld)\n", aml_len);
		return aml_len;
	}
	a.used += ACPI_HDR_LEN + (size_t)aml_len;
	/* Revision 2: 64-bit AML integers. */
	acpi_table_header(dsdt, "DSDT", (uint32_t)(ACPI_HDR_LEN + aml_len), 2, ACPI_OEM_TABLE_ID);
	acpi_table_seal(dsdt);

	build_fadt(fadt, dsdt_gpa);
	build_madt(madt, mlen, l);

	acpi_table_header(xsdt, "XSDT", ACPI_HDR_LEN + 2 * 8, 1, ACPI_OEM_TABLE_ID);
	le_put64(xsdt + ACPI_HDR_LEN, fadt_gpa);
	le_put64(xsdt + ACPI_HDR_LEN + 8, madt_gpa);
	acpi_table_seal(xsdt);

	/* An RSDT too, for ACPI 1.0-only consumers; same tables. */
	acpi_table_header(rsdt, "RSDT", ACPI_HDR_LEN + 2 * 4, 1, ACPI_OEM_TABLE_ID);
	le_put32(rsdt + ACPI_HDR_LEN, (uint32_t)fadt_gpa);
	le_put32(rsdt + ACPI_HDR_LEN + 4, (uint32_t)madt_gpa);
	acpi_table_seal(rsdt);

	acpi_rsdp_fill(rsdp, rsdt_gpa, xsdt_gpa);

	return (long)a.used;

nospc:
	pr_err("acpi: tables for %u vCPUs do not fit in %zu bytes\n", l->nr_vcpus, size);
	return -ENOSPC;
}

/*
 * Real-mode code at F000:FFF0: out(ACPI_RESET_PORT, ACPI_RESET_VALUE), then
 * halt forever should the reset not happen.
 */
static void write_reset_stub(uint8_t *p)
{
	/* mov al, imm8; mov dx, imm16; out dx, al; cli; 1: hlt; jmp 1b */
	static const uint8_t code[] = { 0xB0, 0, 0xBA, 0, 0, 0xEE, 0xFA, 0xF4, 0xEB, 0xFD };

	memset(p, 0xF4, X86_RESET_STUB_LEN); /* hlt padding */
	memcpy(p, code, sizeof(code));
	p[1] = ACPI_RESET_VALUE;
	le_put16(p + 3, ACPI_RESET_PORT);
}

int acpi_build_tables(const struct x86_vm_layout *l)
{
	long ret;

	if (!l || !l->ram || l->ram_size < ACPI_AREA_END) {
		pr_err("acpi: VM RAM must cover the ACPI area below 1 MiB\n");
		return -EINVAL;
	}
	ret = acpi_build_into(l, l->ram + ACPI_AREA_GPA, ACPI_AREA_GPA,
	                      X86_RESET_VECTOR_GPA - ACPI_AREA_GPA);
	if (ret < 0)
		return (int)ret;
	write_reset_stub(l->ram + X86_RESET_VECTOR_GPA);
	return 0;
}
