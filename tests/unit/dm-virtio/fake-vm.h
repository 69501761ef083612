/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test doubles for what dm/pci and dm/virtio call in dm/core: guest RAM
 * over a buffer, an I/O range table with a dispatcher the test drives like
 * a vCPU, posted eventfds, and an interrupt sink.
 */
#ifndef FAKE_VM_H
#define FAKE_VM_H

#include <stdbool.h>
#include <stdint.h>

#include <dm/io.h>
#include <dm/vm.h>

struct dm_vm *fake_vm_new(uint64_t lowmem, unsigned ncpus);
void fake_vm_free(struct dm_vm *vm);

/* A vCPU access: posted eventfds first, then the registered ranges; -ENOENT: unclaimed. */
int fake_mmio(struct dm_vm *vm, uint64_t addr, bool write, unsigned size, uint64_t *val);
int fake_pio(struct dm_vm *vm, uint64_t port, bool write, unsigned size, uint64_t *val);
/* Whether a range is registered at exactly @base, and its length. */
bool fake_range_at(struct dm_vm *vm, bool pio, uint64_t base, uint64_t *len);
/* The last monitor event emitted ("NAME DATA_JSON", free it), or NULL; clears it. */
char *fake_last_event(void);
/* The eventfd registered for @addr, or -1. */
int fake_eventfd_at(struct dm_vm *vm, bool pio, uint64_t addr);

/* Interrupts: every MSI goes to @fn (from the device's thread), GSI levels are recorded. */
typedef void (*fake_msi_fn)(void *opaque, uint64_t addr, uint32_t data);
void fake_set_msi_sink(struct dm_vm *vm, fake_msi_fn fn, void *opaque);
unsigned fake_msi_count(struct dm_vm *vm);
bool fake_gsi_level(struct dm_vm *vm, unsigned gsi);

/* Run the reset and teardown hooks the devices registered. */
void fake_vm_reset(struct dm_vm *vm);
void fake_vm_teardown(struct dm_vm *vm);

#endif
