/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-dm's ACPI tables: placement, lengths and checksums, the fields the
 * guest depends on (FADT PM1 blocks, SCI, reset register, FACS; MADT
 * entries; MCFG), ACPICA's disassembler (`iasl -d`) on every table, with
 * the DSDT recompiled and searched for what Linux needs, and ACPICA's
 * interpreter (`acpiexec`) loading the tables and evaluating that.
 */
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include <dm/platform.h>
#include <dm/vm.h>

#include "doubles.h"

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

static const uint8_t *gpa(uint64_t a)
{
	g_assert_cmpuint(a, >=, DM_ACPI_BASE);
	g_assert_cmpuint(a, <, DM_ACPI_END);
	return dbl_vm.ram_low + a;
}

/* A table at @a: in the area, sane length, checksum 0. */
static const uint8_t *table(uint64_t a, const char *sig)
{
	const uint8_t *t = gpa(a);
	uint32_t len = rd32(t + 4);

	g_assert_cmpmem(t, 4, sig, 4);
	g_assert_cmpuint(len, >=, 36);
	g_assert_cmpuint(a + len, <=, DM_ACPI_END);
	g_assert_cmpuint(sum(t, len), ==, 0);
	g_assert_cmpmem(t + 10, 6, "ACRN  ", 6);
	return t;
}

static const uint8_t *xsdt_find(const uint8_t *xsdt, const char *sig)
{
	uint32_t n = (rd32(xsdt + 4) - 36) / 8;

	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *t = gpa(rd64(xsdt + 36 + 8 * i));

		if (!memcmp(t, sig, 4))
			return table(rd64(xsdt + 36 + 8 * i), sig);
	}
	return NULL;
}

static void build(unsigned ncpus, bool com2)
{
	GError *err = NULL;
	uint64_t rsdp = 0;

	dbl_reset(ncpus);
	memset(dbl_vm.ram_low, 0xCC, DBL_RAM_SIZE); /* the builder must clear what it uses */
	if (com2)
		g_assert_cmpint(dm_uart_add_from_arg(&dbl_vm, "com2,file:/dev/null", &err), ==, 0);
	g_assert_cmpint(dm_platform_init(&dbl_vm, &err), ==, 0);
	/* What -s 0:0,hostbridge -s 3,virtio-blk -s 4,virtio-blk -s 31,lpc gives. */
	dbl_pci_add(0, 0, 0, 0);
	dbl_pci_add(3, 0, 1, 16);
	dbl_pci_add(4, 0, 1, 17);
	dbl_pci_add(4, 1, 2, 18);
	dbl_pci_add(31, 0, 0, 0);
	g_assert_cmpint(dm_acpi_build(&dbl_vm, &rsdp, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpuint(rsdp, ==, DM_ACPI_BASE);
}

static const uint8_t *rsdp_xsdt(void)
{
	const uint8_t *rsdp = gpa(DM_ACPI_BASE);

	g_assert_cmpmem(rsdp, 8, "RSD PTR ", 8);
	/* RSDP in the 0xE0000-0xFFFFF scan area, on a 16-byte boundary. */
	g_assert_cmpuint(DM_ACPI_BASE % 16, ==, 0);
	g_assert_cmpuint(sum(rsdp, 20), ==, 0);
	g_assert_cmpuint(rsdp[15], ==, 2);
	g_assert_cmpuint(rd32(rsdp + 20), ==, 36);
	g_assert_cmpuint(sum(rsdp, 36), ==, 0);
	table(rd32(rsdp + 16), "RSDT");
	return table(rd64(rsdp + 24), "XSDT");
}

static void test_tables(void)
{
	const uint8_t *xsdt, *fadt, *madt, *mcfg, *dsdt, *facs;

	build(2, false);
	xsdt = rsdp_xsdt();
	g_assert_cmpuint(rd32(xsdt + 4), ==, 36 + 3 * 8);
	fadt = xsdt_find(xsdt, "FACP");
	madt = xsdt_find(xsdt, "APIC");
	mcfg = xsdt_find(xsdt, "MCFG");
	g_assert_nonnull(fadt);
	g_assert_nonnull(madt);
	g_assert_nonnull(mcfg);
	g_assert_cmpuint(rd32(fadt + 4), ==, 276);
	g_assert_cmpuint(rd32(madt + 4), ==, 36 + 8 + 2 * 8 + 12 + 10);
	g_assert_cmpuint(rd32(mcfg + 4), ==, 60);

	/* FADT: DSDT and FACS both ways, SCI 9, PM1a blocks, reset register. */
	g_assert_cmpuint(rd32(fadt + 40), ==, rd64(fadt + 140));
	dsdt = table(rd64(fadt + 140), "DSDT");
	g_assert_cmpuint(dsdt[8], ==, 2);
	g_assert_cmpuint(rd32(fadt + 36), ==, rd64(fadt + 132));
	facs = gpa(rd64(fadt + 132));
	g_assert_cmpuint(rd64(fadt + 132) % 64, ==, 0);
	g_assert_cmpmem(facs, 4, "FACS", 4);
	g_assert_cmpuint(rd32(facs + 4), ==, 64);
	/* The guest's waking vector, as the core reads it after S3. */
	g_assert_cmpuint(dm_acpi_waking_vector(&dbl_vm), ==, 0);
	dbl_vm.ram_low[rd64(fadt + 132) + 12] = 0x00;
	dbl_vm.ram_low[rd64(fadt + 132) + 13] = 0x9A;
	dbl_vm.ram_low[rd64(fadt + 132) + 14] = 0x01;
	g_assert_cmpuint(dm_acpi_waking_vector(&dbl_vm), ==, 0x19A00);
	g_assert_cmpuint(rd16(fadt + 46), ==, 9);     /* SCI_INT */
	g_assert_cmpuint(rd32(fadt + 48), ==, 0);     /* no SMI_CMD: always ACPI mode */
	g_assert_cmpuint(rd32(fadt + 56), ==, 0x600); /* PM1a_EVT_BLK */
	g_assert_cmpuint(rd32(fadt + 64), ==, 0x604); /* PM1a_CNT_BLK */
	g_assert_cmpuint(rd32(fadt + 76), ==, 0);     /* no PM timer */
	g_assert_cmpuint(fadt[88], ==, 4);
	g_assert_cmpuint(fadt[89], ==, 2);
	g_assert_cmpuint(fadt[108], ==, 0x32); /* CENTURY */
	/* IAPC_BOOT_ARCH: no legacy devices, no 8042, no VGA; CMOS RTC present. */
	g_assert_cmpuint(rd16(fadt + 109), ==, 1u << 2);
	/* Flags: reset register supported, not hardware-reduced, fixed power button. */
	g_assert_cmpuint(rd32(fadt + 112) & (1u << 10), !=, 0);
	g_assert_cmpuint(rd32(fadt + 112) & (1u << 20), ==, 0);
	g_assert_cmpuint(rd32(fadt + 112) & (1u << 4), ==, 0);
	g_assert_cmpuint(fadt[116], ==, 1); /* SystemIO */
	g_assert_cmpuint(rd64(fadt + 120), ==, 0xCF9);
	g_assert_cmpuint(fadt[128], ==, 0x06);
	g_assert_cmpuint(fadt[8], ==, 6);
	g_assert_cmpuint(fadt[131], ==, 5);
	g_assert_cmpuint(rd64(fadt + 148 + 4), ==, 0x600); /* X_PM1a_EVT_BLK */
	g_assert_cmpuint(fadt[148 + 1], ==, 32);
	g_assert_cmpuint(rd64(fadt + 172 + 4), ==, 0x604); /* X_PM1a_CNT_BLK */
	g_assert_cmpuint(fadt[172 + 1], ==, 16);

	/* MADT: no PCAT_COMPAT, a LAPIC per vCPU, the IOAPIC, the SCI override. */
	g_assert_cmpuint(rd32(madt + 36), ==, 0xFEE00000);
	g_assert_cmpuint(rd32(madt + 40), ==, 0);
	for (unsigned i = 0; i < 2; i++) {
		const uint8_t *e = madt + 44 + 8 * i;

		g_assert_cmpuint(e[0], ==, 0);
		g_assert_cmpuint(e[1], ==, 8);
		g_assert_cmpuint(e[2], ==, i);
		g_assert_cmpuint(e[3], ==, i);
		g_assert_cmpuint(rd32(e + 4), ==, 1);
	}
	g_assert_cmpuint(madt[60], ==, 1);
	g_assert_cmpuint(madt[62], ==, 2); /* IOAPIC id after the APIC ids */
	g_assert_cmpuint(rd32(madt + 64), ==, 0xFEC00000);
	g_assert_cmpuint(rd32(madt + 68), ==, 0);
	g_assert_cmpuint(madt[72], ==, 2);
	g_assert_cmpuint(madt[75], ==, 9);
	g_assert_cmpuint(rd32(madt + 76), ==, 9);
	g_assert_cmpuint(rd16(madt + 80), ==, 0x000D); /* level, active high */

	/* MCFG: ECAM for bus 0 of segment 0. */
	g_assert_cmpuint(rd64(mcfg + 44), ==, DM_PCI_ECAM);
	g_assert_cmpuint(rd16(mcfg + 52), ==, 0);
	g_assert_cmpuint(mcfg[54], ==, 0);
	g_assert_cmpuint(mcfg[55], ==, 0);
	dbl_run_teardown_hooks();
}

static void test_vcpu_counts(void)
{
	GError *err = NULL;
	uint64_t rsdp;

	for (unsigned n = 1; n <= DM_MAX_VCPUS; n++) {
		const uint8_t *madt;

		build(n, true);
		madt = xsdt_find(rsdp_xsdt(), "APIC");
		g_assert_cmpuint(rd32(madt + 4), ==, 36 + 8 + 8 * n + 12 + 10);
		g_assert_cmpuint(madt[44 + 8 * n + 2], ==, n);
		dbl_run_teardown_hooks();
	}
	dbl_reset(0);
	g_assert_cmpint(dm_acpi_build(&dbl_vm, &rsdp, &err), ==, -EINVAL);
	g_assert_nonnull(strstr(err->message, "0 vCPUs"));
	g_clear_error(&err);
	dbl_reset(DM_MAX_VCPUS + 1);
	g_assert_cmpint(dm_acpi_build(&dbl_vm, &rsdp, &err), ==, -EINVAL);
	g_clear_error(&err);
	/* RAM that does not reach 1 MiB cannot hold the tables. */
	dbl_reset(1);
	dbl_vm.lowmem = 0xF0000;
	g_assert_cmpint(dm_acpi_build(&dbl_vm, &rsdp, &err), ==, -EINVAL);
	g_assert_nonnull(strstr(err->message, "0xe0000"));
	g_clear_error(&err);
}

/* ---- iasl ---- */

static char *run(const char *dir, char **argv)
{
	char *out = NULL, *errs = NULL, *all;
	GError *error = NULL;
	int status;

	g_assert_true(g_spawn_sync(dir, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errs,
	                           &status, &error));
	g_assert_no_error(error);
	all = g_strconcat(out, errs, NULL);
	if (g_test_verbose())
		g_printerr("%s", all);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	g_free(out);
	g_free(errs);
	return all;
}

static char *disassemble(const char *dir, const char *name, const uint8_t *t, size_t len)
{
	char *path = g_strdup_printf("%s/%s.dat", dir, name);
	char *file = g_strdup_printf("%s.dat", name);
	char *argv[] = { "iasl", "-d", file, NULL };
	char *out, *dsl, *dslpath;

	g_assert_true(g_file_set_contents(path, (const char *)t, (gssize)len, NULL));
	out = run(dir, argv);
	/* iasl reports problems as "Error" / "Warning" lines. */
	g_assert_null(strstr(out, "Error "));
	g_assert_null(strstr(out, "Warning "));
	g_assert_null(strstr(out, "Invalid"));
	dslpath = g_strdup_printf("%s/%s.dsl", dir, name);
	g_assert_true(g_file_get_contents(dslpath, &dsl, NULL, NULL));
	g_unlink(dslpath);
	g_unlink(path);
	g_free(dslpath);
	g_free(out);
	g_free(file);
	g_free(path);
	return dsl;
}

static void test_iasl(void)
{
	static const char *const sigs[] = { "XSDT", "FACP", "APIC", "MCFG" };
	const uint8_t *xsdt, *fadt, *dsdt;
	char *dir, *dsl, *out, *iasl = g_find_program_in_path("iasl");

	if (!iasl) {
		g_test_skip("iasl (acpica-tools) is not installed");
		return;
	}
	g_free(iasl);
	dir = g_dir_make_tmp("dm-acpi-XXXXXX", NULL);
	build(2, true);
	xsdt = rsdp_xsdt();
	for (unsigned i = 0; i < G_N_ELEMENTS(sigs); i++) {
		const uint8_t *t = xsdt_find(xsdt, sigs[i]);

		if (!t)
			t = xsdt;
		dsl = disassemble(dir, sigs[i], t, rd32(t + 4));
		g_assert_nonnull(strstr(dsl, "Checksum"));
		g_assert_null(strstr(dsl, "Incorrect checksum"));
		if (!strcmp(sigs[i], "FACP")) {
			g_assert_nonnull(strstr(dsl, "Hardware Reduced (V5) : 0"));
			g_assert_nonnull(strstr(dsl, "Reset Register Supported (V2) : 1"));
		}
		g_free(dsl);
	}
	{
		const uint8_t *rsdt = table(rd32(gpa(DM_ACPI_BASE) + 16), "RSDT");

		dsl = disassemble(dir, "RSDT", rsdt, rd32(rsdt + 4));
		g_assert_nonnull(strstr(dsl, "ACPI Table Address   2"));
		g_free(dsl);
	}
	fadt = xsdt_find(xsdt, "FACP");
	dsl = disassemble(dir, "FACS", gpa(rd64(fadt + 132)), 64);
	g_assert_nonnull(strstr(dsl, "Signature : \"FACS\""));
	g_assert_nonnull(strstr(dsl, "Version : 02"));
	g_free(dsl);

	dsdt = table(rd64(fadt + 140), "DSDT");
	dsl = disassemble(dir, "DSDT", dsdt, rd32(dsdt + 4));
	{
		char *path = g_strdup_printf("%s/dsdt.dsl", dir);

		g_assert_true(g_file_set_contents(path, dsl, -1, NULL));
		g_free(path);
	}
	if (g_test_verbose())
		g_printerr("%s", dsl);
	g_assert_nonnull(strstr(dsl, "Name (\\_S3, Package (0x04)"));
	g_assert_nonnull(strstr(dsl, "Name (\\_S5, Package (0x04)"));
	g_assert_nonnull(strstr(dsl, "Name (_PRT, Package (0x03)"));
	g_assert_nonnull(strstr(dsl, "0x0003FFFF"));
	g_assert_nonnull(strstr(dsl, "0x0004FFFF"));
	/* INTx goes through one interrupt link per GSI, level and active high. */
	g_assert_nonnull(strstr(dsl, "\\_SB.GS10"));
	g_assert_nonnull(strstr(dsl, "EisaId (\"PNP0C0F\")"));
	g_assert_nonnull(strstr(dsl, "Interrupt (ResourceConsumer, Level, ActiveHigh, Shared"));
	g_assert_nonnull(strstr(dsl, "Method (_SRS, 1"));
	g_assert_null(strstr(dsl, "0x001FFFFF")); /* the LPC bridge has no interrupt */
	g_assert_nonnull(strstr(dsl, "EisaId (\"PNP0A08\")"));
	g_assert_nonnull(strstr(dsl, "EisaId (\"PNP0A03\")"));
	g_assert_nonnull(strstr(dsl, "EisaId (\"PNP0501\")"));
	g_assert_nonnull(strstr(dsl, "Device (COM2)"));
	g_assert_nonnull(strstr(dsl, "0x02F8"));
	g_assert_nonnull(strstr(dsl, "EisaId (\"PNP0B00\")"));
	g_assert_nonnull(strstr(dsl, "0x00000008,")); /* the RTC's IRQ */
	g_assert_nonnull(strstr(dsl, "EisaId (\"PNP0C02\")"));
	g_assert_nonnull(strstr(dsl, "WordBusNumber (ResourceProducer"));
	g_assert_nonnull(strstr(dsl, "0x0CF7"));
	g_assert_nonnull(strstr(dsl, "0xDFFFFFFF"));
	g_assert_nonnull(strstr(dsl, "QWordMemory (ResourceProducer"));
	g_assert_nonnull(strstr(dsl, "0x0000004000000000"));
	g_assert_nonnull(strstr(dsl, "Memory32Fixed (ReadWrite"));
	g_assert_nonnull(strstr(dsl, "ACPI0007"));
	g_free(dsl);

	/* The disassembly compiles back without errors or warnings. */
	{
		char *argv[] = { "iasl", "-p", "dsdt-again", "dsdt.dsl", NULL };
		char *p;

		out = run(dir, argv);
		g_assert_nonnull(strstr(out, " 0 Errors, 0 Warnings"));
		g_free(out);
		p = g_strdup_printf("%s/dsdt-again.aml", dir);
		g_unlink(p);
		g_free(p);
		p = g_strdup_printf("%s/dsdt.dsl", dir);
		g_unlink(p);
		g_free(p);
	}
	g_assert_cmpint(g_rmdir(dir), ==, 0);
	g_free(dir);
	dbl_run_teardown_hooks();
}

/*
 * ACPICA's interpreter (acpiexec) loads the tables as an OS would and
 * evaluates the objects Linux uses: sleep packages, _PRT, resources.
 */
static void test_acpiexec(void)
{
	static const char *const sigs[] = { "DSDT", "FACP", "APIC", "MCFG" };
	char *argv[] = { "acpiexec",
		         "-b",
		         "evaluate \\_S5;evaluate \\_S3;evaluate \\_SB.PCI0._PRT;"
		         "resources \\_SB.PCI0;resources \\_SB.COM1;resources \\_SB.RTC;"
		         "resources \\_SB.GS10;"
		         "evaluate \\_SB.COM1._STA",
		         "DSDT.dat",
		         "FACP.dat",
		         "APIC.dat",
		         "MCFG.dat",
		         NULL };
	char *tool = g_find_program_in_path("acpiexec"), *dir, *out;
	const uint8_t *xsdt, *fadt;

	if (!tool) {
		g_test_skip("acpiexec (acpica-tools) is not installed");
		return;
	}
	g_free(tool);
	dir = g_dir_make_tmp("dm-acpi-XXXXXX", NULL);
	build(3, false);
	xsdt = rsdp_xsdt();
	fadt = xsdt_find(xsdt, "FACP");
	for (unsigned i = 0; i < G_N_ELEMENTS(sigs); i++) {
		const uint8_t *t = i ? xsdt_find(xsdt, sigs[i]) : table(rd64(fadt + 140), "DSDT");
		char *path = g_strdup_printf("%s/%s.dat", dir, sigs[i]);

		g_assert_true(g_file_set_contents(path, (const char *)t, rd32(t + 4), NULL));
		g_free(path);
	}
	out = run(dir, argv);
	g_assert_null(strstr(out, "ACPI Error"));
	g_assert_null(strstr(out, "ACPI Exception"));
	g_assert_null(strstr(out, "ACPI Warning"));
	g_assert_null(strstr(out, "Evaluation of \\_S5 failed"));
	g_assert_nonnull(strstr(out, "Table [DSDT: ACRNDM  ]"));
	/* \_S5 is {5, 5, 0, 0}, \_S3 {1, 1, 0, 0}. */
	g_assert_nonnull(
	        strstr(out, "[Integer] = 0000000000000005\n    [Integer] = 0000000000000005"));
	g_assert_nonnull(
	        strstr(out, "[Integer] = 0000000000000001\n    [Integer] = 0000000000000001"));
	/* _PRT and the root bridge's windows as ACPICA decodes them. */
	g_assert_nonnull(strstr(out, "Address : 000000000003FFFF"));
	g_assert_nonnull(strstr(out, "Source : \\_SB_.GS10"));
	g_assert_nonnull(strstr(out, "Source : \\_SB_.GS12"));
	/* The links: level-triggered, active high (the PCI core drives INTx high). */
	g_assert_nonnull(strstr(out,
	                        "Triggering : Level\n                   Polarity : ActiveHigh\n"
	                        "                    Sharing : Shared"));
	g_assert_nonnull(strstr(out, "Dword00 : 00000010"));
	g_assert_nonnull(strstr(out, "Resource Type : Bus Number Range"));
	g_assert_nonnull(strstr(out, "Address Maximum : DFFFFFFF"));
	g_assert_nonnull(strstr(out, "Address Minimum : 0000004000000000"));
	g_assert_nonnull(strstr(out, "Dword00 : 00000004")); /* COM1's GSI */
	g_assert_nonnull(strstr(out, "Dword00 : 00000008")); /* the RTC's */
	g_free(out);
	for (unsigned i = 0; i < G_N_ELEMENTS(sigs); i++) {
		char *path = g_strdup_printf("%s/%s.dat", dir, sigs[i]);

		g_unlink(path);
		g_free(path);
	}
	g_assert_cmpint(g_rmdir(dir), ==, 0);
	g_free(dir);
	dbl_run_teardown_hooks();
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dm-hw/acpi/tables", test_tables);
	g_test_add_func("/dm-hw/acpi/vcpu-counts", test_vcpu_counts);
	g_test_add_func("/dm-hw/acpi/iasl", test_iasl);
	g_test_add_func("/dm-hw/acpi/acpiexec", test_acpiexec);
	return g_test_run();
}
