/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two bridges of the PC chipset as PCI emulations: "hostbridge" (an
 * Intel 440FX host bridge id, at 00:00.0) and "lpc" (a PIIX3 ISA bridge id,
 * at 00:1f.0). Neither has BARs or interrupts; they exist so the guest
 * finds the usual topology. The COM ports, RTC and PM registers behind the
 * ISA bridge are platform devices (platform.h), present either way.
 */
#include <errno.h>
#include <gio/gio.h>

#include <dm/pci.h>

#define PCI_VENDOR_INTEL  0x8086
#define PCI_DEV_440FX     0x1237
#define PCI_DEV_PIIX3_ISA 0x7000
#define PCI_CLASS_HOST    0x0600
#define PCI_CLASS_ISA     0x0601

#define PCI_CFG_VENDOR    0x00
#define PCI_CFG_DEVICE    0x02
#define PCI_CFG_REVISION  0x08
#define PCI_CFG_PROGIF    0x09
#define PCI_CFG_CLASS     0x0A /* subclass, then base class */
#define PCI_CFG_HEADER    0x0E
#define PCI_CFG_SUBVENDOR 0x2C
#define PCI_CFG_SUBSYSTEM 0x2E

static int bridge_ids(struct pci_dev *d, const char *name, const char *opts, uint16_t device,
                      uint16_t cls, GError **error)
{
	if (opts && *opts) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "%s: unknown option '%s' (it takes none)", name, opts);
		return -EINVAL;
	}
	pci_set16(d, PCI_CFG_VENDOR, PCI_VENDOR_INTEL);
	pci_set16(d, PCI_CFG_DEVICE, device);
	pci_set8(d, PCI_CFG_REVISION, 0);
	pci_set8(d, PCI_CFG_PROGIF, 0);
	pci_set16(d, PCI_CFG_CLASS, cls);
	pci_set8(d, PCI_CFG_HEADER, 0);
	pci_set16(d, PCI_CFG_SUBVENDOR, PCI_VENDOR_INTEL);
	pci_set16(d, PCI_CFG_SUBSYSTEM, device);
	return 0;
}

static int hostbridge_init(struct pci_dev *d, const char *opts, GError **error)
{
	return bridge_ids(d, "hostbridge", opts, PCI_DEV_440FX, PCI_CLASS_HOST, error);
}

static int lpc_init(struct pci_dev *d, const char *opts, GError **error)
{
	return bridge_ids(d, "lpc", opts, PCI_DEV_PIIX3_ISA, PCI_CLASS_ISA, error);
}

static const struct pci_dev_ops hostbridge_ops = {
	.name = "hostbridge",
	.init = hostbridge_init,
};

static const struct pci_dev_ops lpc_ops = {
	.name = "lpc",
	.init = lpc_init,
};

__attribute__((constructor)) static void pci_bridges_register(void)
{
	pci_register_emulation(&hostbridge_ops);
	pci_register_emulation(&lpc_ops);
}
