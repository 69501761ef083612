/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtual PCI bus of a post-launched VM (bus 0 only): configuration
 * space through 0xCF8/0xCFC, ECAM at DM_PCI_ECAM and the hypervisor's
 * PCICFG requests; BAR placement and decoding; MSI-X and INTx. A device
 * emulation fills in its config space and BARs in init() and handles BAR
 * accesses; everything generic (BAR sizing and moves, command register,
 * capability list, MSI-X table and PBA) is the bus core's.
 */
#ifndef DM_PCI_H
#define DM_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

struct dm_vm;
struct pci_dev;

#define PCI_SLOTS    32
#define PCI_FUNCS    8
#define PCI_BARS     6
#define PCI_CFG_SIZE 4096 /* PCIe extended configuration space */

enum pci_bar_type {
	PCI_BAR_NONE,
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64, /* takes two BAR registers: idx and idx + 1 */
};

struct pci_bar {
	enum pci_bar_type type;
	uint64_t size; /* a power of two */
	uint64_t addr; /* current guest address, 0 while unassigned or decoding is off */
};

struct pci_dev_ops {
	const char *name; /* the -s emulation name: "hostbridge", "lpc", "virtio-blk" */
	/*
	 * @opts is the text after "slot,name," on the command line (may be NULL).
	 * Set config-space ids, BARs (pci_bar_alloc), capabilities, MSI-X.
	 * On failure set @error with a message naming the option at fault.
	 */
	int (*init)(struct pci_dev *d, const char *opts, GError **error);
	void (*deinit)(struct pci_dev *d);
	/* Guest reset: back to power-on state (config space is reset by the core). */
	void (*reset)(struct pci_dev *d);
	/* An access inside BAR @bar (not the MSI-X table or PBA, which the core owns). */
	int (*bar_access)(struct pci_dev *d, int bar, bool write, uint64_t offset, unsigned size,
	                  uint64_t *val);
	/*
	 * Optional: see config-space writes after the core applied them (for
	 * device-specific registers); @reg is the dword-aligned offset.
	 */
	void (*cfg_written)(struct pci_dev *d, unsigned reg, unsigned size, uint32_t val);
	/*
	 * Optional: BAR @bar now decodes at @new_addr (0: not at all; it did at
	 * @old_addr, 0 if it did not), after a guest move, a command-register
	 * change or a reset; for addresses registered outside the core
	 * (dm_io_add_eventfd). Runs on the thread that made the change.
	 */
	void (*bar_moved)(struct pci_dev *d, int bar, uint64_t old_addr, uint64_t new_addr);
};

struct pci_dev {
	struct dm_vm *vm;
	uint8_t slot, func;
	const struct pci_dev_ops *ops;
	void *priv; /* the emulation's state */

	uint8_t cfg[PCI_CFG_SIZE];
	struct pci_bar bar[PCI_BARS];

	/* private to the bus core */
	struct pci_dev_core *core;
};

/* Config-space helpers (little-endian, bounds-checked). */
uint8_t pci_get8(const struct pci_dev *d, unsigned off);
uint16_t pci_get16(const struct pci_dev *d, unsigned off);
uint32_t pci_get32(const struct pci_dev *d, unsigned off);
void pci_set8(struct pci_dev *d, unsigned off, uint8_t v);
void pci_set16(struct pci_dev *d, unsigned off, uint16_t v);
void pci_set32(struct pci_dev *d, unsigned off, uint32_t v);

/* Declare BAR @idx; the core assigns its address when the bus is set up. */
int pci_bar_alloc(struct pci_dev *d, int idx, enum pci_bar_type type, uint64_t size);
/* Append a capability (first byte its id; next pointer filled in); returns its offset. */
int pci_add_cap(struct pci_dev *d, const void *cap, unsigned len);

/*
 * MSI-X with @nvec vectors, table and PBA in BAR @bar at the given offsets
 * (the BAR must be large enough and may hold device registers elsewhere).
 */
int pci_msix_init(struct pci_dev *d, unsigned nvec, int bar, uint32_t table_off, uint32_t pba_off);
bool pci_msix_enabled(const struct pci_dev *d);
/* Send vector @vec (or set its pending bit while masked). -ENOENT: no such vector. */
int pci_msix_notify(struct pci_dev *d, unsigned vec);
/* Legacy INTx (pin A) for devices without MSI-X enabled: level-triggered through the vIOAPIC. */
void pci_intx_assert(struct pci_dev *d);
void pci_intx_deassert(struct pci_dev *d);

/* Emulations register themselves (before the command line is parsed). */
void pci_register_emulation(const struct pci_dev_ops *ops);
/*
 * Parse one -s argument: "slot[:func],emulation[,options]" and create the
 * device. Messages name the part at fault but not the argument: the caller
 * prefixes "-s ARG: ".
 */
int pci_add_from_arg(struct dm_vm *vm, const char *arg, GError **error);
/* Assign BARs, set up interrupt routing and the ACPI view; after all -s options. */
int pci_bus_realize(struct dm_vm *vm, GError **error);

/* A configuration access from 0xCF8/0xCFC, ECAM or a PCICFG ioreq. */
void pci_cfg_access(struct dm_vm *vm, unsigned bus, unsigned slot, unsigned func, unsigned reg,
                    unsigned size, bool write, uint32_t *val);

/* For ACPI table builders: the devices present and their INTx GSIs. */
struct pci_dev *pci_find(struct dm_vm *vm, unsigned slot, unsigned func);
/*
 * Every function uses pin A; its GSI depends on the slot only, so _PRT needs
 * one entry per slot (address slot << 16 | 0xFFFF, pin 0):
 * GSI = PCI_INTX_GSI_BASE + slot % PCI_INTX_GSIS. Shared GSIs are wired-OR.
 */
#define PCI_INTX_GSI_BASE 16
#define PCI_INTX_GSIS     8
unsigned pci_intx_gsi(const struct pci_dev *d);

#endif
