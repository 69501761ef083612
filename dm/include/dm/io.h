/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port I/O and MMIO ranges that acrn-dm devices emulate, and the dispatch
 * of the ioreq slots the hypervisor forwards. Handlers run on the ioreq
 * thread, one request at a time; registration happens before the VM starts
 * or from a handler (PCI BAR moves), so the tables need no lock.
 */
#ifndef DM_IO_H
#define DM_IO_H

#include <stdbool.h>
#include <stdint.h>

#include <acrn/ioreq.h>

struct dm_vm;

/*
 * @offset is relative to the registered base; @size is 1, 2, 4 or 8. A read
 * stores its result in *val (zero-extended); a write takes it from *val.
 * Return 0, or a negative errno (a read then yields all ones).
 */
typedef int (*dm_io_fn)(struct dm_vm *vm, void *opaque, bool write, uint64_t offset, unsigned size,
                        uint64_t *val);

struct dm_io_range {
	const char *name; /* for error messages and logs */
	uint64_t base, len;
	dm_io_fn fn;
	void *opaque;
	/*
	 * Port I/O only: claim every access that starts in the range, whatever
	 * its width. A PC decodes a dword at 0xCF8 as CONFIG_ADDRESS although
	 * the byte at 0xCF9 is the reset register, another device's.
	 */
	bool by_first_port;
};

/* -EEXIST if the range overlaps one already registered. */
int dm_io_register_pio(struct dm_vm *vm, const struct dm_io_range *r);
int dm_io_register_mmio(struct dm_vm *vm, const struct dm_io_range *r);
/* Remove the range registered at exactly @base. */
int dm_io_unregister_pio(struct dm_vm *vm, uint64_t base);
int dm_io_unregister_mmio(struct dm_vm *vm, uint64_t base);

/*
 * Guest writes of @len bytes to @addr (with @data, if @datamatch) become a
 * write of 1 to @eventfd, posted: the vCPU does not wait. Uses the
 * transport's ioeventfd when it has one; otherwise the write arrives as an
 * ioreq and dispatch signals the eventfd itself, so callers never care.
 */
int dm_io_add_eventfd(struct dm_vm *vm, bool pio, uint64_t addr, unsigned len, bool datamatch,
                      uint64_t data, int eventfd);
int dm_io_del_eventfd(struct dm_vm *vm, bool pio, uint64_t addr, int eventfd);

/* Handle one slot the hypervisor forwarded (PIO, MMIO or PCICFG); fills in read values. */
void dm_io_dispatch(struct dm_vm *vm, struct acrn_io_request *req);

#endif
