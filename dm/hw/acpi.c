/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ACPI tables of a post-launched VM, in [DM_ACPI_BASE, DM_ACPI_END) of guest
 * RAM, each 16-byte aligned (the FACS 64): RSDP (at DM_ACPI_BASE, in the
 * BIOS scan area), XSDT, RSDT, FADT, FACS, MADT, MCFG, DSDT.
 *
 * Unlike a pre-launched VM this is not a hardware-reduced platform: the
 * FADT has PM1a event and control blocks (pm.c), an SCI, a fixed power
 * button and S3/S5, plus the 0xCF9 reset register. It declares no legacy
 * devices and no 8042, so Linux probes no PIC, PIT or keyboard controller;
 * the CMOS RTC is present. docs/x86-vm-platform.md is the guest's contract.
 *
 * The DSDT is built with the hypervisor's AML encoder (hv/arch/x86/guest/
 * aml.c, compiled hosted into acrn-dm); its FADT field offsets come from the
 * hypervisor's table builder header too.
 */
/* hv headers first: GLib then replaces their MIN/MAX with identical ones. */
#include <arch/acpi_build.h>
#include <arch/acpi_table.h>
#include <arch/aml.h>
#include <hv/le.h>

#include <errno.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include <dm/pci.h>
#include <dm/platform.h>
#include <dm/vm.h>

#include "hw.h"

#define OEM_TABLE_ID         "ACRNDM  "

#define FADT_OFF_PM1_CNT_LEN 89
#define FADT_OFF_X_PM1A_CNT  172
#define FACS_LEN             64
#define MADT_ISO             2
#define MCFG_LEN             (ACPI_HDR_LEN + 8 + 16)
#define PCI_CFG_INTR_PIN     0x3D
#define PCI_MMIO64_SIZE      (64ULL << 30) /* the 64-bit window in the DSDT */
#define ECAM_SIZE            (256ULL << 20)

/* Where dm_acpi_build put the FACS, for dm_acpi_waking_vector. */
static uint64_t facs_gpa;

struct area {
	uint8_t *base;
	uint64_t gpa;
	size_t size, used;
};

static uint8_t *area_alloc(struct area *a, size_t len, size_t align, uint64_t *gpa)
{
	size_t off = (a->used + align - 1) & ~(align - 1);

	if (off > a->size || len > a->size - off)
		return NULL;
	a->used = off + len;
	*gpa = a->gpa + off;
	memset(a->base + off, 0, len);
	return a->base + off;
}

static void build_fadt(uint8_t *t, uint64_t facs, uint64_t dsdt)
{
	acpi_table_header(t, "FACP", ACPI_FADT_LEN, ACPI_FADT_MAJOR, OEM_TABLE_ID);
	le_put32(t + ACPI_FADT_OFF_FIRMWARE_CTRL, (uint32_t)facs);
	le_put32(t + ACPI_FADT_OFF_DSDT, (uint32_t)dsdt);
	le_put16(t + ACPI_FADT_OFF_SCI_INT, HW_SCI_GSI);
	/* SMI_CMD 0: the platform is always in ACPI mode (SCI_EN reads 1). */
	le_put32(t + ACPI_FADT_OFF_PM1A_EVT, HW_PM1A_EVT_PORT);
	le_put32(t + ACPI_FADT_OFF_PM1A_CNT, HW_PM1A_CNT_PORT);
	t[ACPI_FADT_OFF_PM1_EVT_LEN] = HW_PM1A_EVT_LEN;
	t[FADT_OFF_PM1_CNT_LEN] = HW_PM1A_CNT_LEN;
	/* No PM timer (optional since ACPI 5.0a), no GPE blocks. */
	le_put16(t + ACPI_FADT_OFF_P_LVL2_LAT, 101); /* C2 and C3 not supported */
	le_put16(t + ACPI_FADT_OFF_P_LVL3_LAT, 1001);
	t[ACPI_FADT_OFF_CENTURY] = 0x32;
	/*
	 * No LEGACY_DEVICES and no 8042: Linux then expects no PIC, PIT or
	 * keyboard controller. No VGA either; MSI works; the CMOS RTC is there.
	 */
	le_put16(t + ACPI_FADT_OFF_IAPC_BOOT, (uint16_t)ACPI_IAPC_VGA_NOT_PRESENT);
	/* PWR_BUTTON clear: the fixed-feature power button in PM1 exists. */
	le_put32(t + ACPI_FADT_OFF_FLAGS,
	         (uint32_t)(ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_SLP_BUTTON |
	                    ACPI_FADT_FIX_RTC | ACPI_FADT_RESET_REG_SUP));
	acpi_gas_io(t + ACPI_FADT_OFF_RESET_REG, HW_RESET_PORT, 8, 1);
	t[ACPI_FADT_OFF_RESET_VALUE] = HW_RESET_VALUE;
	t[ACPI_FADT_OFF_MINOR] = ACPI_FADT_MINOR;
	/* Both FACS and DSDT fields agree, as ACPICA requires when both are set. */
	le_put64(t + ACPI_FADT_OFF_X_FW_CTRL, facs);
	le_put64(t + ACPI_FADT_OFF_X_DSDT, dsdt);
	acpi_gas_io(t + ACPI_FADT_OFF_X_PM1A_EVT, HW_PM1A_EVT_PORT, 8 * HW_PM1A_EVT_LEN, 2);
	acpi_gas_io(t + FADT_OFF_X_PM1A_CNT, HW_PM1A_CNT_PORT, 8 * HW_PM1A_CNT_LEN, 2);
	memcpy(t + ACPI_FADT_OFF_HV_VENDOR, "ACRN\0\0\0\0", 8);
	acpi_table_seal(t);
}

static void build_facs(uint8_t *t)
{
	/* No checksum; the guest writes its waking vector here before S3. */
	memcpy(t, "FACS", 4);
	le_put32(t + 4, FACS_LEN);
	t[32] = 2; /* version */
}

static size_t madt_len(unsigned ncpus)
{
	return ACPI_HDR_LEN + 8 + 8 * ncpus + 12 + 10;
}

static void build_madt(uint8_t *t, unsigned ncpus)
{
	uint8_t *p = t + ACPI_HDR_LEN;

	acpi_table_header(t, "APIC", (uint32_t)madt_len(ncpus), 5, OEM_TABLE_ID);
	le_put32(p, (uint32_t)X86_LAPIC_GPA);
	le_put32(p + 4, 0); /* no PCAT_COMPAT: there are no 8259s */
	p += 8;
	for (unsigned i = 0; i < ncpus; i++) {
		p[0] = ACPI_MADT_LAPIC;
		p[1] = 8;
		p[2] = (uint8_t)i;  /* processor UID */
		p[3] = (uint8_t)i;  /* APIC id */
		le_put32(p + 4, 1); /* enabled */
		p += 8;
	}
	p[0] = ACPI_MADT_IOAPIC;
	p[1] = 12;
	p[2] = (uint8_t)ncpus; /* IOAPIC id after the APIC ids, as for pre-launched VMs */
	le_put32(p + 4, (uint32_t)X86_IOAPIC_GPA);
	le_put32(p + 8, 0); /* GSI base */
	p += 12;
	/* The SCI: ISA IRQ 9 is GSI 9, level-triggered, active high. */
	p[0] = MADT_ISO;
	p[1] = 10;
	p[2] = 0; /* ISA */
	p[3] = HW_SCI_GSI;
	le_put32(p + 4, HW_SCI_GSI);
	le_put16(p + 8, 0x000D); /* polarity 01 active high, trigger 11 level */
	acpi_table_seal(t);
}

static void build_mcfg(uint8_t *t)
{
	uint8_t *e = t + ACPI_HDR_LEN + 8;

	acpi_table_header(t, "MCFG", MCFG_LEN, 1, OEM_TABLE_ID);
	le_put64(e, DM_PCI_ECAM);
	le_put16(e + 8, 0); /* segment */
	e[10] = 0;          /* first bus */
	e[11] = 0;          /* last bus: bus 0 only */
	acpi_table_seal(t);
}

static void dsdt_sleep_state(struct aml_builder *b, const char *name, unsigned typ)
{
	size_t pkg;

	/* PM1a and PM1b SLP_TYP values, then two reserved entries. */
	aml_name(b, name);
	pkg = aml_package_begin(b, 4);
	aml_integer(b, typ);
	aml_integer(b, typ);
	aml_integer(b, 0);
	aml_integer(b, 0);
	aml_end(b, pkg);
}

static void dsdt_crs(struct aml_builder *b, struct aml_res *r)
{
	long len = aml_res_finish(r);

	if (len < 0) {
		if (!b->err)
			b->err = (int)len;
		return;
	}
	aml_name(b, "_CRS");
	aml_buffer(b, r->buf, (size_t)len);
}

/* The INTx routes in use: one per (slot, pin) with a device behind it. */
struct prt {
	unsigned n;
	struct {
		uint8_t slot, pin;
		unsigned gsi;
	} e[PCI_SLOTS * 4];
};

static void prt_collect(struct dm_vm *vm, struct prt *p)
{
	bool seen[PCI_SLOTS][4] = { { false } };

	p->n = 0;
	for (unsigned s = 0; s < PCI_SLOTS; s++) {
		for (unsigned f = 0; f < PCI_FUNCS; f++) {
			struct pci_dev *d = pci_find(vm, s, f);
			unsigned pin = d ? pci_get8(d, PCI_CFG_INTR_PIN) : 0;

			if (pin < 1 || pin > 4 || seen[s][pin - 1])
				continue;
			seen[s][pin - 1] = true;
			p->e[p->n].slot = (uint8_t)s;
			p->e[p->n].pin = (uint8_t)(pin - 1);
			p->e[p->n].gsi = pci_intx_gsi(d);
			p->n++;
		}
	}
}

/* \_SB.GSxx, the interrupt link of GSI 0xXX. */
static void link_name(char name[16], unsigned gsi)
{
	snprintf(name, 16, "\\_SB.GS%02X", gsi & 0xFF);
}

/*
 * One PCI interrupt link (PNP0C0F) per GSI in use, fixed to that GSI and
 * level-triggered active high: the PCI core asserts INTx by driving the
 * line high. A _PRT entry naming a GSI directly would make the guest
 * program the pin active low (ACPI's rule for such entries).
 */
static void dsdt_links(struct aml_builder *b, const struct prt *p)
{
	bool done[256] = { false };

	for (unsigned i = 0; i < p->n; i++) {
		unsigned gsi = p->e[i].gsi;
		uint8_t crs[32];
		struct aml_res r;
		char name[16];
		size_t dev, m;

		if (gsi > 0xFF || done[gsi]) {
			if (gsi > 0xFF && !b->err)
				b->err = -EINVAL;
			continue;
		}
		done[gsi] = true;
		link_name(name, gsi);
		dev = aml_device_begin(b, name + 5);
		aml_name(b, "_HID");
		aml_eisaid(b, "PNP0C0F");
		aml_name(b, "_UID");
		aml_integer(b, gsi);
		aml_res_init(&r, crs, sizeof(crs));
		aml_res_interrupt_shared(&r, gsi, false, false);
		dsdt_crs(b, &r);
		aml_res_init(&r, crs, sizeof(crs));
		aml_res_interrupt_shared(&r, gsi, false, false);
		{
			long len = aml_res_finish(&r);

			if (len < 0) {
				if (!b->err)
					b->err = (int)len;
			} else {
				aml_name(b, "_PRS");
				aml_buffer(b, crs, (size_t)len);
			}
		}
		/* The routing is fixed: setting or disabling the link changes nothing. */
		m = aml_method_begin(b, "_SRS", 1);
		aml_end(b, m);
		m = aml_method_begin(b, "_DIS", 0);
		aml_end(b, m);
		aml_end(b, dev);
	}
}

static void dsdt_prt(struct aml_builder *b, const struct prt *p)
{
	size_t prt, pkg;

	/* Each entry names the link of its GSI (source index 0). */
	aml_name(b, "_PRT");
	prt = aml_package_begin(b, p->n);
	for (unsigned i = 0; i < p->n; i++) {
		char name[16];

		link_name(name, p->e[i].gsi);
		pkg = aml_package_begin(b, 4);
		aml_integer(b, (uint64_t)p->e[i].slot << 16 | 0xFFFF);
		aml_integer(b, p->e[i].pin);
		aml_name_string(b, name);
		aml_integer(b, 0);
		aml_end(b, pkg);
	}
	aml_end(b, prt);
}

static void dsdt_pci0(struct aml_builder *b, const struct prt *prt)
{
	uint8_t crs[256];
	struct aml_res r;
	size_t dev;

	dev = aml_device_begin(b, "PCI0");
	aml_name(b, "_HID");
	aml_eisaid(b, "PNP0A08");
	aml_name(b, "_CID");
	aml_eisaid(b, "PNP0A03");
	aml_name(b, "_SEG");
	aml_integer(b, 0);
	aml_name(b, "_BBN");
	aml_integer(b, 0);
	aml_name(b, "_UID");
	aml_integer(b, 0);

	aml_res_init(&r, crs, sizeof(crs));
	aml_res_bus_window(&r, 0, 0);
	aml_res_io(&r, 0xCF8, 8); /* the configuration ports, consumed by the bridge */
	aml_res_io_window(&r, 0x0000, 0x0CF7);
	aml_res_io_window(&r, 0x0D00, 0xFFFF);
	aml_res_mem32_window(&r, (uint32_t)DM_PCI_MMIO32, (uint32_t)(DM_PCI_MMIO32_END - 1));
	aml_res_mem64_window(&r, DM_PCI_MMIO64, DM_PCI_MMIO64 + PCI_MMIO64_SIZE - 1);
	dsdt_crs(b, &r);
	dsdt_prt(b, prt);
	aml_end(b, dev);
}

static void dsdt_sta_present(struct aml_builder *b)
{
	size_t m = aml_method_begin(b, "_STA", 0);

	aml_return(b);
	aml_integer(b, 0x0F); /* present, enabled, shown, functioning */
	aml_end(b, m);
}

static void dsdt_com(struct aml_builder *b, unsigned idx)
{
	char name[5] = "COM1", ddn[5] = "COM1";
	uint8_t crs[32];
	struct aml_res r;
	size_t dev;

	name[3] = ddn[3] = (char)('1' + idx);
	dev = aml_device_begin(b, name);
	aml_name(b, "_HID");
	aml_eisaid(b, "PNP0501");
	aml_name(b, "_UID");
	aml_integer(b, idx + 1);
	aml_name(b, "_DDN");
	aml_string(b, ddn);
	dsdt_sta_present(b);
	aml_res_init(&r, crs, sizeof(crs));
	aml_res_io(&r, hw_com_port(idx), 8);
	aml_res_interrupt(&r, hw_com_gsi(idx), true, false);
	dsdt_crs(b, &r);
	aml_end(b, dev);
}

static void dsdt_misc(struct aml_builder *b)
{
	uint8_t crs[64];
	struct aml_res r;
	size_t dev;

	dev = aml_device_begin(b, "RTC");
	aml_name(b, "_HID");
	aml_eisaid(b, "PNP0B00");
	aml_res_init(&r, crs, sizeof(crs));
	aml_res_io(&r, HW_RTC_PORT, 2);
	aml_res_interrupt(&r, HW_RTC_GSI, true, false);
	dsdt_crs(b, &r);
	aml_end(b, dev);

	/*
	 * Motherboard resources: the ECAM window (Linux uses MMCONFIG only if
	 * it is reserved) and the PM1 ports, so no PCI I/O BAR lands there.
	 */
	dev = aml_device_begin(b, "RES0");
	aml_name(b, "_HID");
	aml_eisaid(b, "PNP0C02");
	aml_name(b, "_UID");
	aml_integer(b, 0);
	aml_res_init(&r, crs, sizeof(crs));
	aml_res_mem32_fixed(&r, (uint32_t)DM_PCI_ECAM, (uint32_t)ECAM_SIZE);
	aml_res_io(&r, HW_PM1A_EVT_PORT, HW_PM1A_EVT_LEN + HW_PM1A_CNT_LEN);
	dsdt_crs(b, &r);
	aml_end(b, dev);
}

static long build_dsdt_aml(uint8_t *buf, size_t cap, struct dm_vm *vm)
{
	struct aml_builder b;
	struct prt prt;
	size_t sb;

	aml_init(&b, buf, cap);
	dsdt_sleep_state(&b, "\\_S3", HW_SLP_TYP_S3);
	dsdt_sleep_state(&b, "\\_S5", HW_SLP_TYP_S5);

	prt_collect(vm, &prt);
	sb = aml_scope_begin(&b, "\\_SB");
	dsdt_links(&b, &prt); /* before the _PRT that names them */
	dsdt_pci0(&b, &prt);
	for (unsigned i = 0; i < HW_NR_COMS; i++)
		if (hw_com_present(i))
			dsdt_com(&b, i);
	dsdt_misc(&b);
	/* Processor devices whose _UID matches the MADT, for the ACPI processor driver. */
	acpi_dsdt_processors(&b, vm->ncpus); /* DM_MAX_VCPUS is far below 4096 */
	aml_end(&b, sb);
	return aml_finish(&b);
}

int dm_acpi_build(struct dm_vm *vm, uint64_t *rsdp_gpa, GError **error)
{
	const size_t size = DM_ACPI_END - DM_ACPI_BASE;
	uint64_t rsdp_a = 0, xsdt_a = 0, rsdt_a = 0, fadt_a = 0, facs_a = 0, madt_a = 0, mcfg_a = 0,
	         dsdt_a = 0;
	uint8_t *rsdp, *xsdt, *rsdt, *fadt, *facs, *madt, *mcfg, *dsdt;
	struct area a = { .gpa = DM_ACPI_BASE, .size = size };
	long aml;

	if (vm->ncpus < 1 || vm->ncpus > DM_MAX_VCPUS) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "acpi: %u vCPUs, must be 1..%u", vm->ncpus, DM_MAX_VCPUS);
		return -EINVAL;
	}
	a.base = dm_gpa2hva(vm, DM_ACPI_BASE, size);
	if (!a.base) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "acpi: guest RAM does not cover 0x%llx-0x%llx for the tables",
		            DM_ACPI_BASE, DM_ACPI_END - 1);
		return -EINVAL;
	}
	memset(a.base, 0, size);

	rsdp = area_alloc(&a, ACPI_RSDP_LEN, 16, &rsdp_a);
	xsdt = area_alloc(&a, ACPI_HDR_LEN + 3 * 8, 16, &xsdt_a);
	rsdt = area_alloc(&a, ACPI_HDR_LEN + 3 * 4, 16, &rsdt_a);
	fadt = area_alloc(&a, ACPI_FADT_LEN, 16, &fadt_a);
	facs = area_alloc(&a, FACS_LEN, 64, &facs_a);
	madt = area_alloc(&a, madt_len(vm->ncpus), 16, &madt_a);
	mcfg = area_alloc(&a, MCFG_LEN, 16, &mcfg_a);
	dsdt = area_alloc(&a, ACPI_HDR_LEN, 16, &dsdt_a);
	/* The fixed-size tables take about 1 KiB of 128 KiB: this cannot fail. */
	if (!rsdp || !xsdt || !rsdt || !fadt || !facs || !madt || !mcfg || !dsdt) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "acpi: tables do not fit");
		return -ENOSPC;
	}

	aml = build_dsdt_aml(dsdt + ACPI_HDR_LEN, a.size - a.used, vm);
	if (aml < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "acpi: building the DSDT: %s",
		            g_strerror((int)-aml));
		return (int)aml;
	}
	acpi_table_header(dsdt, "DSDT", (uint32_t)(ACPI_HDR_LEN + aml), 2,
	                  OEM_TABLE_ID); /* rev 2: 64-bit integers */
	acpi_table_seal(dsdt);

	build_fadt(fadt, facs_a, dsdt_a);
	build_facs(facs);
	build_madt(madt, vm->ncpus);
	build_mcfg(mcfg);

	acpi_table_header(xsdt, "XSDT", ACPI_HDR_LEN + 3 * 8, 1, OEM_TABLE_ID);
	le_put64(xsdt + ACPI_HDR_LEN, fadt_a);
	le_put64(xsdt + ACPI_HDR_LEN + 8, madt_a);
	le_put64(xsdt + ACPI_HDR_LEN + 16, mcfg_a);
	acpi_table_seal(xsdt);
	acpi_table_header(rsdt, "RSDT", ACPI_HDR_LEN + 3 * 4, 1, OEM_TABLE_ID);
	le_put32(rsdt + ACPI_HDR_LEN, (uint32_t)fadt_a);
	le_put32(rsdt + ACPI_HDR_LEN + 4, (uint32_t)madt_a);
	le_put32(rsdt + ACPI_HDR_LEN + 8, (uint32_t)mcfg_a);
	acpi_table_seal(rsdt);

	acpi_rsdp_fill(rsdp, rsdt_a, xsdt_a);

	facs_gpa = facs_a;
	*rsdp_gpa = rsdp_a;
	return 0;
}

uint32_t dm_acpi_waking_vector(struct dm_vm *vm)
{
	const uint8_t *facs = facs_gpa ? dm_gpa2hva(vm, facs_gpa, FACS_LEN) : NULL;

	if (!facs || memcmp(facs, "FACS", 4))
		return 0;
	/* The 32-bit field (offset 12); we offer no 64-bit wake (flags stay 0). */
	return (uint32_t)facs[12] | (uint32_t)facs[13] << 8 | (uint32_t)facs[14] << 16 |
	       (uint32_t)facs[15] << 24;
}
