/* SPDX-License-Identifier: BSD-3-Clause */
/* The bus core's private state, shared by the files of dm/pci/. */
#ifndef DM_PCI_INTERNAL_H
#define DM_PCI_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <dm/pci.h>
#include <glib.h>

/* Standard type-0 header offsets and bits the core interprets. */
#define PCI_VENDOR_ID         0x00
#define PCI_COMMAND           0x04
#define PCI_STATUS            0x06
#define PCI_CACHE_LINE        0x0C
#define PCI_LATENCY           0x0D
#define PCI_HEADER_TYPE       0x0E
#define PCI_BAR0              0x10
#define PCI_ROM               0x30
#define PCI_CAP_PTR           0x34
#define PCI_INTERRUPT_LINE    0x3C
#define PCI_INTERRUPT_PIN     0x3D
#define PCI_CAP_START         0x40

#define PCI_CMD_IO            0x0001
#define PCI_CMD_MEM           0x0002
#define PCI_CMD_MASTER        0x0004
#define PCI_CMD_PARITY        0x0040
#define PCI_CMD_SERR          0x0100
#define PCI_CMD_INTX_DISABLE  0x0400
#define PCI_STATUS_INTX       0x0008
#define PCI_STATUS_CAP_LIST   0x0010
#define PCI_STATUS_W1C        0xF900 /* error bits the guest clears by writing 1 */

#define PCI_CAP_ID_MSIX       0x11
#define PCI_MSIX_CTRL_ENABLE  0x8000
#define PCI_MSIX_CTRL_MASKALL 0x4000
#define PCI_MSIX_ENTRY_SIZE   16
#define PCI_MSIX_MAX_VECTORS  2048

/* Where pci_bus_realize places BARs. */
#define PCI_IO_WINDOW     0xC000ULL
#define PCI_IO_WINDOW_END 0x10000ULL
#define PCI_MMIO64_END    (DM_PCI_MMIO64 + 0x4000000000ULL) /* 256 GiB of 64-bit window */

struct pci_bus;

struct pci_bar_ctx {
	struct pci_dev *d;
	int idx;
	char name[32];
	uint64_t mapped; /* where the range is registered; 0: nowhere */
};

struct pci_dev_core {
	struct pci_bus *bus;
	/* Guards cfg, BAR mappings, MSI-X and INTx state: the ioreq thread and I/O threads meet here. */
	GRecMutex lock;
	uint8_t wmask[PCI_CFG_SIZE];   /* bits the guest may write */
	uint8_t w1cmask[PCI_CFG_SIZE]; /* bits the guest clears by writing 1 */
	uint8_t *reset_cfg;            /* config space as realized, for guest reset */
	struct pci_bar_ctx bar[PCI_BARS];
	unsigned cap_next, cap_last; /* where the next capability goes; the last one (0: none) */

	/* MSI-X */
	unsigned msix_nvec, msix_cap;
	int msix_bar;
	uint32_t msix_table_off, msix_pba_off;
	uint8_t *msix_table; /* msix_nvec entries of 16 bytes */
	uint64_t *msix_pba;

	/* INTx: the device's line, and whether it counts towards the GSI now. */
	bool intx_level, intx_counted;
};

struct pci_bus {
	struct dm_vm *vm;
	struct pci_dev *dev[PCI_SLOTS][PCI_FUNCS];
	bool realized;
	uint32_t cf8; /* CONFIG_ADDRESS */
	GMutex intx_lock;
	unsigned gsi_users[PCI_INTX_GSIS]; /* asserted lines per shared GSI */
};

struct pci_bus *pci_bus_of(struct dm_vm *vm, bool create);

/* pci_cfg.c */
void pci_core_init_dev(struct pci_dev *d);
void pci_cfg_read(struct pci_dev *d, unsigned reg, unsigned size, uint32_t *val);
void pci_cfg_write(struct pci_dev *d, unsigned reg, unsigned size, uint32_t val);
uint64_t pci_bar_programmed(const struct pci_dev *d, int idx);
void pci_bar_write_addr(struct pci_dev *d, int idx, uint64_t addr);
void pci_bar_update(struct pci_dev *d, int idx);
void pci_bar_unmap_all(struct pci_dev *d);
void pci_intx_update(struct pci_dev *d);

/* pci_msix.c */
int pci_msix_access(struct pci_dev *d, int bar, bool write, uint64_t offset, unsigned size,
                    uint64_t *val, bool *handled);
void pci_msix_ctrl_written(struct pci_dev *d, uint16_t old_ctrl);
void pci_msix_reset(struct pci_dev *d);
void pci_msix_free(struct pci_dev *d);

#endif
