/* SPDX-License-Identifier: BSD-3-Clause */
/* The PCI bus core: -s parsing, config space, BAR sizing and moves, MSI-X, INTx, reset. */
#include <errno.h>
#include <string.h>

#include <dm/pci.h>

#include "fake-vm.h"

#define LOWMEM (16u << 20)

struct testdev {
	unsigned bar_reads, bar_writes;
	uint64_t last_off, last_val;
	int moves;
	uint64_t moved_old[PCI_BARS], moved_new[PCI_BARS];
	char *opts;
};

static int td_init(struct pci_dev *d, const char *opts, GError **error)
{
	struct testdev *t;

	if (opts && strcmp(opts, "fail") == 0) {
		g_set_error(error, g_quark_from_static_string("test"), EINVAL,
		            "option 'fail' fails");
		return -EINVAL;
	}
	t = g_new0(struct testdev, 1);
	t->opts = g_strdup(opts);
	d->priv = t;
	pci_set16(d, 0x00, 0x1234);
	pci_set16(d, 0x02, 0x5678);
	pci_set8(d, 0x0B, 0x01);
	g_assert_cmpint(pci_bar_alloc(d, 0, PCI_BAR_MEM32, 0x1000), ==, 0);
	g_assert_cmpint(pci_bar_alloc(d, 1, PCI_BAR_IO, 32), ==, 0);
	g_assert_cmpint(pci_bar_alloc(d, 2, PCI_BAR_MEM64, 0x4000), ==, 0);
	g_assert_cmpint(pci_bar_alloc(d, 3, PCI_BAR_IO, 32), ==, -EBUSY); /* upper half of BAR 2 */
	g_assert_cmpint(pci_msix_init(d, 4, 2, 0x2000, 0x3000), ==, 0);
	return 0;
}

static void td_deinit(struct pci_dev *d)
{
	struct testdev *t = d->priv;

	g_free(t->opts);
	g_free(t);
}

static int td_bar(struct pci_dev *d, int bar, bool write, uint64_t offset, unsigned size,
                  uint64_t *val)
{
	struct testdev *t = d->priv;

	(void)bar;
	(void)size;
	t->last_off = offset;
	if (write) {
		t->bar_writes++;
		t->last_val = *val;
	} else {
		t->bar_reads++;
		*val = 0xABCD;
	}
	return 0;
}

static void td_moved(struct pci_dev *d, int bar, uint64_t old_addr, uint64_t new_addr)
{
	struct testdev *t = d->priv;

	t->moves++;
	t->moved_old[bar] = old_addr;
	t->moved_new[bar] = new_addr;
}

static const struct pci_dev_ops testdev_ops = {
	.name = "testdev",
	.init = td_init,
	.deinit = td_deinit,
	.bar_access = td_bar,
	.bar_moved = td_moved,
};

static const struct pci_dev_ops other_ops = {
	.name = "another",
};

static uint32_t cfg_rd(struct dm_vm *vm, unsigned slot, unsigned reg, unsigned size)
{
	uint32_t v = 0xDEAD;

	pci_cfg_access(vm, 0, slot, 0, reg, size, false, &v);
	return v;
}

static void cfg_wr(struct dm_vm *vm, unsigned slot, unsigned reg, unsigned size, uint32_t v)
{
	pci_cfg_access(vm, 0, slot, 0, reg, size, true, &v);
}

static struct dm_vm *setup(void)
{
	struct dm_vm *vm = fake_vm_new(LOWMEM, 2);
	GError *err = NULL;

	g_assert_cmpint(pci_add_from_arg(vm, "3,testdev,hello", &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(pci_add_from_arg(vm, "11:0,testdev", &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(pci_bus_realize(vm, &err), ==, 0);
	g_assert_no_error(err);
	return vm;
}

static void done(struct dm_vm *vm)
{
	fake_vm_teardown(vm);
	fake_vm_free(vm);
}

static void expect_arg_error(const char *arg, int err, const char *msg)
{
	struct dm_vm *vm = fake_vm_new(LOWMEM, 1);
	GError *e = NULL;

	g_assert_cmpint(pci_add_from_arg(vm, "5,testdev", NULL), ==, 0);
	g_assert_cmpint(pci_add_from_arg(vm, arg, &e), ==, err);
	g_assert_nonnull(e);
	if (!strstr(e->message, msg))
		g_error("'%s': message '%s' lacks '%s'", arg, e->message, msg);
	g_error_free(e);
	g_assert_null(pci_find(vm, 6, 0));
	g_assert_cmpint(pci_bus_realize(vm, NULL), ==, 0);
	done(vm);
}

static void test_args(void)
{
	expect_arg_error("x,testdev", -EINVAL, "slot 'x' is not a number from 0 to 31");
	expect_arg_error("32,testdev", -EINVAL, "slot '32'");
	expect_arg_error("-1,testdev", -EINVAL, "slot '-1'");
	expect_arg_error("6:8,testdev", -EINVAL, "function '8' is not a number from 0 to 7");
	expect_arg_error("6:1:2,testdev", -EINVAL, "function '1:2'");
	expect_arg_error("6", -EINVAL, "expected slot[:func],emulation[,options]");
	expect_arg_error("6,nosuch", -ENOENT,
	                 "unknown emulation 'nosuch' (known: another, testdev)");
	expect_arg_error("5,another", -EEXIST, "slot 5 function 0 is already taken by testdev");
	expect_arg_error("6,testdev,fail", -EINVAL, "option 'fail' fails");
}

static void test_func_without_func0(void)
{
	struct dm_vm *vm = fake_vm_new(LOWMEM, 1);
	GError *e = NULL;

	g_assert_cmpint(pci_add_from_arg(vm, "4:2,another", NULL), ==, 0);
	g_assert_cmpint(pci_bus_realize(vm, &e), ==, -EINVAL);
	g_assert_nonnull(strstr(e->message, "slot 4 has function 2 (another) but no function 0"));
	g_error_free(e);
	g_assert_cmpint(pci_add_from_arg(vm, "4,another", NULL), ==, 0);
	g_assert_cmpint(pci_bus_realize(vm, NULL), ==, 0);
	g_assert_cmpuint(pci_get8(pci_find(vm, 4, 0), 0x0E) & 0x80, ==, 0x80); /* multi-function */
	g_assert_cmpint(pci_bus_realize(vm, NULL), ==, -EALREADY);
	done(vm);
}

static void test_header_and_access_paths(void)
{
	struct dm_vm *vm = setup();
	struct pci_dev *d = pci_find(vm, 3, 0);
	uint64_t v;

	g_assert_nonnull(d);
	g_assert_cmpstr(((struct testdev *)d->priv)->opts, ==, "hello");
	g_assert_cmphex(cfg_rd(vm, 3, 0, 4), ==, 0x56781234);
	g_assert_cmphex(cfg_rd(vm, 3, 2, 2), ==, 0x5678);
	g_assert_cmphex(cfg_rd(vm, 3, 0x3D, 1), ==, 1);       /* pin A */
	g_assert_cmphex(cfg_rd(vm, 3, 0x3C, 1), ==, 16 + 3);  /* line = GSI */
	g_assert_cmphex(cfg_rd(vm, 11, 0x3C, 1), ==, 16 + 3); /* slot 11 shares it */
	g_assert_cmpuint(pci_intx_gsi(pci_find(vm, 11, 0)), ==, 19);
	g_assert_cmphex(cfg_rd(vm, 3, 0x04, 2) & 3, ==, 3);       /* decoding on */
	g_assert_cmphex(cfg_rd(vm, 4, 0, 4), ==, 0xFFFFFFFF);     /* empty slot */
	g_assert_cmphex(cfg_rd(vm, 3, 1, 2), ==, 0xFFFF);         /* misaligned */
	g_assert_cmphex(cfg_rd(vm, 3, 0xFFE, 4), ==, 0xFFFFFFFF); /* past the end */
	/* Read-only fields stay. */
	cfg_wr(vm, 3, 0, 4, 0);
	g_assert_cmphex(cfg_rd(vm, 3, 0, 4), ==, 0x56781234);
	cfg_wr(vm, 3, 0x3C, 1, 0x0A);
	g_assert_cmphex(cfg_rd(vm, 3, 0x3C, 1), ==, 0x0A);
	/* Capability list: MSI-X first, at 0x40. */
	g_assert_cmphex(cfg_rd(vm, 3, 0x06, 2) & 0x10, ==, 0x10);
	g_assert_cmphex(cfg_rd(vm, 3, 0x34, 1), ==, 0x40);
	g_assert_cmphex(cfg_rd(vm, 3, 0x40, 1), ==, 0x11);
	g_assert_cmphex(cfg_rd(vm, 3, 0x41, 1), ==, 0);
	g_assert_cmphex(cfg_rd(vm, 3, 0x42, 2), ==, 3);          /* 4 vectors */
	g_assert_cmphex(cfg_rd(vm, 3, 0x44, 4), ==, 0x2000 | 2); /* table in BAR 2 */
	g_assert_cmphex(cfg_rd(vm, 3, 0x48, 4), ==, 0x3000 | 2);

	/* 0xCF8/0xCFC: dword address latch, byte data access with the low bits of the port. */
	v = 0x80000000u | (3u << 11) | 0x00;
	g_assert_cmpint(fake_pio(vm, 0xCF8, true, 4, &v), ==, 0);
	g_assert_cmpint(fake_pio(vm, 0xCF8, false, 4, &v), ==, 0);
	g_assert_cmphex(v, ==, 0x80000000u | (3u << 11));
	g_assert_cmpint(fake_pio(vm, 0xCFC, false, 4, &v), ==, 0);
	g_assert_cmphex(v, ==, 0x56781234);
	g_assert_cmpint(fake_pio(vm, 0xCFE, false, 2, &v), ==, 0);
	g_assert_cmphex(v, ==, 0x5678);
	g_assert_cmpint(fake_pio(vm, 0xCFD, false, 1, &v), ==, 0);
	g_assert_cmphex(v, ==, 0x12);
	v = 0x00000000u | (3u << 11); /* enable bit clear: nothing answers */
	fake_pio(vm, 0xCF8, true, 4, &v);
	fake_pio(vm, 0xCFC, false, 4, &v);
	g_assert_cmphex(v, ==, 0xFFFFFFFF);
	/* ECAM. */
	g_assert_cmpint(fake_mmio(vm, DM_PCI_ECAM + (3u << 15) + 0, false, 4, &v), ==, 0);
	g_assert_cmphex(v, ==, 0x56781234);
	g_assert_cmpint(fake_mmio(vm, DM_PCI_ECAM + (1u << 20) + (3u << 15), false, 4, &v), ==, 0);
	g_assert_cmphex(v, ==, 0xFFFFFFFF); /* bus 1 */
	v = 0x0B;
	fake_mmio(vm, DM_PCI_ECAM + (3u << 15) + 0x3C, true, 1, &v);
	g_assert_cmphex(cfg_rd(vm, 3, 0x3C, 1), ==, 0x0B);
	done(vm);
}

static void test_bars(void)
{
	struct dm_vm *vm = setup();
	struct pci_dev *d = pci_find(vm, 3, 0), *d11 = pci_find(vm, 11, 0);
	struct testdev *t = d->priv;
	uint64_t a0 = d->bar[0].addr, a1 = d->bar[1].addr, a2 = d->bar[2].addr, len, v;

	/* Placed in the windows, naturally aligned, not overlapping. */
	g_assert_cmphex(a0, >=, DM_PCI_MMIO32);
	g_assert_cmphex(a0 + 0x1000, <=, DM_PCI_MMIO32_END);
	g_assert_cmphex(a0 & 0xFFF, ==, 0);
	g_assert_cmphex(a1, >=, 0xC000);
	g_assert_cmphex(a1 & 31, ==, 0);
	g_assert_cmphex(a2, >=, DM_PCI_MMIO64);
	g_assert_cmphex(a2 & 0x3FFF, ==, 0);
	g_assert_cmphex(d11->bar[2].addr, !=, a2);
	g_assert_true(fake_range_at(vm, false, a0, &len));
	g_assert_cmphex(len, ==, 0x1000);
	g_assert_true(fake_range_at(vm, true, a1, &len));
	g_assert_cmphex(len, ==, 32);
	g_assert_cmphex(cfg_rd(vm, 3, 0x10, 4), ==, a0);
	g_assert_cmphex(cfg_rd(vm, 3, 0x14, 4), ==, a1 | 1);
	g_assert_cmphex(cfg_rd(vm, 3, 0x18, 4), ==, (uint32_t)a2 | 4);
	g_assert_cmphex(cfg_rd(vm, 3, 0x1C, 4), ==, a2 >> 32);
	g_assert_cmphex(cfg_rd(vm, 3, 0x20, 4), ==, 0); /* no BAR 4 */

	/* An access reaches the emulation with the BAR-relative offset. */
	v = 0x77;
	g_assert_cmpint(fake_mmio(vm, a0 + 0x10, true, 4, &v), ==, 0);
	g_assert_cmpuint(t->bar_writes, ==, 1);
	g_assert_cmphex(t->last_off, ==, 0x10);
	g_assert_cmphex(t->last_val, ==, 0x77);
	g_assert_cmpint(fake_pio(vm, a1 + 4, false, 2, &v), ==, 0);
	g_assert_cmphex(v, ==, 0xABCD);

	/* Sizing with decoding off, as Linux does it. */
	cfg_wr(vm, 3, 0x04, 2, 0);
	g_assert_false(fake_range_at(vm, false, a0, NULL));
	g_assert_false(fake_range_at(vm, true, a1, NULL));
	g_assert_cmphex(d->bar[0].addr, ==, 0);
	g_assert_cmphex(t->moved_old[0], ==, a0);
	g_assert_cmphex(t->moved_new[0], ==, 0);
	for (unsigned r = 0x10; r <= 0x24; r += 4)
		cfg_wr(vm, 3, r, 4, 0xFFFFFFFF);
	g_assert_cmphex(cfg_rd(vm, 3, 0x10, 4), ==, 0xFFFFF000);
	g_assert_cmphex(cfg_rd(vm, 3, 0x14, 4), ==, 0xFFFFFFE1);
	g_assert_cmphex(cfg_rd(vm, 3, 0x18, 4), ==, 0xFFFFC004);
	g_assert_cmphex(cfg_rd(vm, 3, 0x1C, 4), ==, 0xFFFFFFFF);
	g_assert_cmphex(cfg_rd(vm, 3, 0x20, 4), ==, 0);
	g_assert_cmphex(cfg_rd(vm, 3, 0x30, 4), ==, 0); /* no ROM */

	/* Move BAR 0 and BAR 2, then turn decoding back on. */
	cfg_wr(vm, 3, 0x10, 4, 0xD0000000);
	cfg_wr(vm, 3, 0x14, 4, 0xE000);
	cfg_wr(vm, 3, 0x18, 4, 0x12340000);
	cfg_wr(vm, 3, 0x1C, 4, 0x50);
	g_assert_false(fake_range_at(vm, false, 0xD0000000, NULL));
	cfg_wr(vm, 3, 0x04, 2, 3);
	g_assert_true(fake_range_at(vm, false, 0xD0000000, NULL));
	g_assert_true(fake_range_at(vm, true, 0xE000, NULL));
	g_assert_true(fake_range_at(vm, false, 0x5012340000ULL, NULL));
	g_assert_cmphex(d->bar[2].addr, ==, 0x5012340000ULL);
	g_assert_cmphex(t->moved_new[2], ==, 0x5012340000ULL);
	/* A move while decoding: the old range goes at once. */
	cfg_wr(vm, 3, 0x10, 4, 0xD0010000);
	g_assert_false(fake_range_at(vm, false, 0xD0000000, NULL));
	g_assert_true(fake_range_at(vm, false, 0xD0010000, NULL));
	g_assert_cmphex(t->moved_old[0], ==, 0xD0000000);
	/* Byte writes to a BAR merge into the dword. */
	cfg_wr(vm, 3, 0x13, 1, 0xD1);
	g_assert_true(fake_range_at(vm, false, 0xD1010000, NULL));
	/* Onto another device's BAR: refused, the BAR stops decoding. */
	cfg_wr(vm, 3, 0x10, 4, (uint32_t)d11->bar[0].addr);
	g_assert_cmphex(d->bar[0].addr, ==, 0);
	g_assert_cmphex(d11->bar[0].addr, !=, 0);

	/* Guest reset: back to the realized placement. */
	fake_vm_reset(vm);
	g_assert_cmphex(d->bar[0].addr, ==, a0);
	g_assert_cmphex(d->bar[2].addr, ==, a2);
	g_assert_true(fake_range_at(vm, false, a0, NULL));
	g_assert_false(fake_range_at(vm, false, 0x5012340000ULL, NULL));
	g_assert_cmphex(cfg_rd(vm, 3, 0x3C, 1), ==, 19);
	done(vm);
}

struct msi_log {
	unsigned n;
	uint64_t addr;
	uint32_t data;
};

static void msi_sink(void *opaque, uint64_t addr, uint32_t data)
{
	struct msi_log *l = opaque;

	l->n++;
	l->addr = addr;
	l->data = data;
}

static void table_wr(struct dm_vm *vm, uint64_t bar, unsigned vec, unsigned field, uint32_t v)
{
	uint64_t x = v;

	g_assert_cmpint(fake_mmio(vm, bar + 0x2000 + vec * 16 + field, true, 4, &x), ==, 0);
}

static uint64_t pba_rd(struct dm_vm *vm, uint64_t bar)
{
	uint64_t x;

	g_assert_cmpint(fake_mmio(vm, bar + 0x3000, false, 8, &x), ==, 0);
	return x;
}

static void test_msix(void)
{
	struct dm_vm *vm = setup();
	struct pci_dev *d = pci_find(vm, 3, 0);
	struct testdev *t = d->priv;
	uint64_t bar = d->bar[2].addr, x;
	struct msi_log log = { 0 };

	fake_set_msi_sink(vm, msi_sink, &log);
	g_assert_false(pci_msix_enabled(d));
	g_assert_cmpint(pci_msix_notify(d, 0), ==, -EINVAL);
	g_assert_cmpint(pci_msix_notify(d, 4), ==, -ENOENT);
	/* Table reads: every vector starts masked. */
	g_assert_cmpint(fake_mmio(vm, bar + 0x2000 + 12, false, 4, &x), ==, 0);
	g_assert_cmphex(x, ==, 1);
	/* The table belongs to the core, not the emulation. */
	g_assert_cmpuint(t->bar_reads + t->bar_writes, ==, 0);
	/* A 2-byte access to the table is refused (reads all ones). */
	g_assert_cmpint(fake_mmio(vm, bar + 0x2000, false, 2, &x), <, 0);
	g_assert_cmphex(x, ==, 0xFFFF);

	table_wr(vm, bar, 1, 0, 0xFEE01000);
	table_wr(vm, bar, 1, 4, 0);
	table_wr(vm, bar, 1, 8, 0x4041);
	cfg_wr(vm, 3, 0x42, 2, 0x8000); /* enable */
	g_assert_true(pci_msix_enabled(d));
	g_assert_cmphex(cfg_rd(vm, 3, 0x42, 2), ==, 0x8003); /* table size is read-only */

	/* Masked: the message waits in the PBA. */
	g_assert_cmpint(pci_msix_notify(d, 1), ==, 0);
	g_assert_cmpuint(log.n, ==, 0);
	g_assert_cmphex(pba_rd(vm, bar), ==, 2);
	table_wr(vm, bar, 1, 12, 0); /* unmask: delivered */
	g_assert_cmpuint(log.n, ==, 1);
	g_assert_cmphex(log.addr, ==, 0xFEE01000);
	g_assert_cmphex(log.data, ==, 0x4041);
	g_assert_cmphex(pba_rd(vm, bar), ==, 0);
	/* Only the mask bit of vector control is writable. */
	table_wr(vm, bar, 1, 12, 0xFFFFFFFE);
	g_assert_cmpint(fake_mmio(vm, bar + 0x2000 + 16 + 12, false, 4, &x), ==, 0);
	g_assert_cmphex(x, ==, 0);

	g_assert_cmpint(pci_msix_notify(d, 1), ==, 0);
	g_assert_cmpuint(log.n, ==, 2);

	/* Function mask. */
	cfg_wr(vm, 3, 0x42, 2, 0xC000);
	g_assert_cmpint(pci_msix_notify(d, 1), ==, 0);
	g_assert_cmpuint(log.n, ==, 2);
	g_assert_cmphex(pba_rd(vm, bar), ==, 2);
	x = 0; /* PBA writes are ignored */
	fake_mmio(vm, bar + 0x3000, true, 8, &x);
	g_assert_cmphex(pba_rd(vm, bar), ==, 2);
	cfg_wr(vm, 3, 0x43, 1, 0x80);
	g_assert_cmpuint(log.n, ==, 3);
	g_assert_cmphex(pba_rd(vm, bar), ==, 0);

	/* 8-byte table write of the address. */
	x = 0x00000001FEE02000ULL;
	g_assert_cmpint(fake_mmio(vm, bar + 0x2000 + 16, true, 8, &x), ==, 0);
	g_assert_cmpint(pci_msix_notify(d, 1), ==, 0);
	g_assert_cmphex(log.addr, ==, 0x00000001FEE02000ULL);

	/* Reset masks everything and turns MSI-X off. */
	fake_vm_reset(vm);
	g_assert_false(pci_msix_enabled(d));
	g_assert_cmpint(fake_mmio(vm, bar + 0x2000 + 16 + 12, false, 4, &x), ==, 0);
	g_assert_cmphex(x, ==, 1);
	done(vm);
}

static void test_intx(void)
{
	struct dm_vm *vm = setup();
	struct pci_dev *d3 = pci_find(vm, 3, 0), *d11 = pci_find(vm, 11, 0);

	pci_intx_assert(d3);
	g_assert_true(fake_gsi_level(vm, 19));
	g_assert_cmphex(cfg_rd(vm, 3, 0x06, 2) & 0x08, ==, 0x08);
	pci_intx_assert(d11);
	pci_intx_deassert(d3);
	g_assert_true(fake_gsi_level(vm, 19)); /* wired-OR: slot 11 still holds it */
	g_assert_cmphex(cfg_rd(vm, 3, 0x06, 2) & 0x08, ==, 0);
	/* INTx disable drops the line but keeps the status bit. */
	cfg_wr(vm, 11, 0x04, 2, 0x0403);
	g_assert_false(fake_gsi_level(vm, 19));
	g_assert_cmphex(cfg_rd(vm, 11, 0x06, 2) & 0x08, ==, 0x08);
	cfg_wr(vm, 11, 0x04, 2, 0x0003);
	g_assert_true(fake_gsi_level(vm, 19));
	/* MSI-X enabled: INTx is off. */
	cfg_wr(vm, 11, 0x42, 2, 0x8000);
	g_assert_false(fake_gsi_level(vm, 19));
	cfg_wr(vm, 11, 0x42, 2, 0x0000);
	g_assert_true(fake_gsi_level(vm, 19));
	pci_intx_deassert(d11);
	g_assert_false(fake_gsi_level(vm, 19));
	done(vm);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	pci_register_emulation(&testdev_ops);
	pci_register_emulation(&other_ops);
	g_test_add_func("/pci/args", test_args);
	g_test_add_func("/pci/func-without-func0", test_func_without_func0);
	g_test_add_func("/pci/header-and-access-paths", test_header_and_access_paths);
	g_test_add_func("/pci/bars", test_bars);
	g_test_add_func("/pci/msix", test_msix);
	g_test_add_func("/pci/intx", test_intx);
	return g_test_run();
}
