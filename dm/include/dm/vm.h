/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One post-launched VM as acrn-dm sees it: its transport, guest memory,
 * interrupt lines and power state. The core (dm/core/) owns it; devices get
 * a pointer and use only the functions here, io.h and pci.h.
 *
 * Threads: the main thread runs the GLib main loop (monitor socket, console
 * backends, signals); one ioreq thread runs every device's register
 * handlers; virtio devices may add I/O threads of their own. Functions here
 * are callable from any of them unless a comment says otherwise.
 */
#ifndef DM_VM_H
#define DM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

struct dm_transport;

/* x86 guest-physical layout (docs/x86-vm-platform.md has the whole map). */
#define DM_LOWMEM_LIMIT   0x80000000ULL /* low RAM ends here at most: 2 GiB */
#define DM_PCI_MMIO32     0xC0000000ULL /* 32-bit BARs: [0xC0000000, 0xE0000000) */
#define DM_PCI_MMIO32_END 0xE0000000ULL
#define DM_PCI_ECAM       0xE0000000ULL /* MMCONFIG for bus 0-255: 256 MiB */
#define DM_HIGHMEM_BASE   0x100000000ULL
#define DM_PCI_MMIO64     0x4000000000ULL /* 64-bit BARs: 256 GiB and up */
#define DM_MAX_VCPUS      16

/* Why the VM stopped, or what it asks for next. */
enum dm_power {
	DM_POWER_NONE,
	DM_POWER_OFF,     /* ACPI S5, monitor destroy/power button, SIGTERM */
	DM_POWER_RESET,   /* 0xCF9, keyboard controller, guest reboot */
	DM_POWER_SUSPEND, /* ACPI S3 */
	DM_POWER_TRIPLE_FAULT,
};

struct dm_vm {
	char name[16]; /* ACRN's limit: 15 characters */
	struct dm_transport *t;
	unsigned ncpus;

	uint64_t lowmem;  /* RAM at [0, lowmem) */
	uint64_t highmem; /* RAM at [DM_HIGHMEM_BASE, + highmem) */
	uint8_t *ram_low, *ram_high;

	/* private to dm/core */
	struct dm_vm_core *core;
};

/* Host address of guest-physical [gpa, gpa + len) if it is all RAM, else NULL. */
void *dm_gpa2hva(struct dm_vm *vm, uint64_t gpa, size_t len);

/* Interrupts (the vIOAPIC and vLAPICs live in the hypervisor). */
int dm_vm_set_gsi(struct dm_vm *vm, unsigned gsi, bool level);
int dm_vm_pulse_gsi(struct dm_vm *vm, unsigned gsi);
int dm_vm_inject_msi(struct dm_vm *vm, uint64_t addr, uint64_t data);

/*
 * Ask the core to stop, reset or suspend the VM; returns at once, the core
 * acts on its own thread after the current request completes.
 */
void dm_vm_request_power(struct dm_vm *vm, enum dm_power what);

/*
 * Devices with state beyond their registers register a reset hook, run in
 * registration order when the guest reboots (the VM is paused meanwhile),
 * and a teardown hook, run in reverse order when acrn-dm exits.
 */
typedef void (*dm_vm_hook_fn)(struct dm_vm *vm, void *opaque);
void dm_vm_add_reset_hook(struct dm_vm *vm, dm_vm_hook_fn fn, void *opaque);
void dm_vm_add_teardown_hook(struct dm_vm *vm, dm_vm_hook_fn fn, void *opaque);

#endif
