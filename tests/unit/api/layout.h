/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The structures and constants that api/include/acrn and the kernel's
 * <linux/acrn.h> both define, listed once so two translation units (one per
 * header set, as their names clash) can each fill a table to compare.
 */
#ifndef TEST_API_LAYOUT_H
#define TEST_API_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

struct layout_row {
	const char *name;
	uint64_t value; /* offset, size or constant */
};

/* One entry per line, so adding one is a one-line change. */
#define LAYOUT_STRUCTS(S)         \
	S(acrn_mmio_request)      \
	S(acrn_pio_request)       \
	S(acrn_pci_request)       \
	S(acrn_io_request)        \
	S(acrn_io_request_buffer) \
	S(acrn_vm_creation)       \
	S(acrn_gp_regs)           \
	S(acrn_descriptor_ptr)    \
	S(acrn_regs)              \
	S(acrn_vcpu_regs)         \
	S(acrn_msi_entry)

#define LAYOUT_FIELDS(F)                       \
	F(acrn_mmio_request, direction)        \
	F(acrn_mmio_request, reserved)         \
	F(acrn_mmio_request, address)          \
	F(acrn_mmio_request, size)             \
	F(acrn_mmio_request, value)            \
	F(acrn_pio_request, direction)         \
	F(acrn_pio_request, reserved)          \
	F(acrn_pio_request, address)           \
	F(acrn_pio_request, size)              \
	F(acrn_pio_request, value)             \
	F(acrn_pci_request, direction)         \
	F(acrn_pci_request, reserved)          \
	F(acrn_pci_request, size)              \
	F(acrn_pci_request, value)             \
	F(acrn_pci_request, bus)               \
	F(acrn_pci_request, dev)               \
	F(acrn_pci_request, func)              \
	F(acrn_pci_request, reg)               \
	F(acrn_io_request, type)               \
	F(acrn_io_request, completion_polling) \
	F(acrn_io_request, reserved0)          \
	F(acrn_io_request, reqs)               \
	F(acrn_io_request, reserved1)          \
	F(acrn_io_request, kernel_handled)     \
	F(acrn_io_request, processed)          \
	F(acrn_io_request_buffer, req_slot)    \
	F(acrn_vm_creation, vmid)              \
	F(acrn_vm_creation, reserved0)         \
	F(acrn_vm_creation, vcpu_num)          \
	F(acrn_vm_creation, reserved1)         \
	F(acrn_vm_creation, vm_flag)           \
	F(acrn_vm_creation, ioreq_buf)         \
	F(acrn_vm_creation, cpu_affinity)      \
	F(acrn_gp_regs, rax)                   \
	F(acrn_gp_regs, rsp)                   \
	F(acrn_gp_regs, rsi)                   \
	F(acrn_gp_regs, rdi)                   \
	F(acrn_gp_regs, r8)                    \
	F(acrn_gp_regs, r15)                   \
	F(acrn_descriptor_ptr, limit)          \
	F(acrn_descriptor_ptr, base)           \
	F(acrn_descriptor_ptr, reserved)       \
	F(acrn_regs, gprs)                     \
	F(acrn_regs, gdt)                      \
	F(acrn_regs, idt)                      \
	F(acrn_regs, rip)                      \
	F(acrn_regs, cs_base)                  \
	F(acrn_regs, cr0)                      \
	F(acrn_regs, cr4)                      \
	F(acrn_regs, cr3)                      \
	F(acrn_regs, ia32_efer)                \
	F(acrn_regs, rflags)                   \
	F(acrn_regs, reserved_64)              \
	F(acrn_regs, cs_ar)                    \
	F(acrn_regs, cs_limit)                 \
	F(acrn_regs, reserved_32)              \
	F(acrn_regs, cs_sel)                   \
	F(acrn_regs, ss_sel)                   \
	F(acrn_regs, ds_sel)                   \
	F(acrn_regs, es_sel)                   \
	F(acrn_regs, fs_sel)                   \
	F(acrn_regs, gs_sel)                   \
	F(acrn_regs, ldt_sel)                  \
	F(acrn_regs, tr_sel)                   \
	F(acrn_vcpu_regs, vcpu_id)             \
	F(acrn_vcpu_regs, reserved)            \
	F(acrn_vcpu_regs, vcpu_regs)           \
	F(acrn_msi_entry, msi_addr)            \
	F(acrn_msi_entry, msi_data)

#define LAYOUT_CONSTS(C)               \
	C(ACRN_IO_REQUEST_MAX)         \
	C(ACRN_IOREQ_STATE_PENDING)    \
	C(ACRN_IOREQ_STATE_COMPLETE)   \
	C(ACRN_IOREQ_STATE_PROCESSING) \
	C(ACRN_IOREQ_STATE_FREE)       \
	C(ACRN_IOREQ_TYPE_PORTIO)      \
	C(ACRN_IOREQ_TYPE_MMIO)        \
	C(ACRN_IOREQ_TYPE_PCICFG)      \
	C(ACRN_IOREQ_DIR_READ)         \
	C(ACRN_IOREQ_DIR_WRITE)        \
	C(ACRN_MEM_ACCESS_READ)        \
	C(ACRN_MEM_ACCESS_WRITE)       \
	C(ACRN_MEM_ACCESS_EXEC)        \
	C(ACRN_MEM_ACCESS_RWX)         \
	C(ACRN_MEM_ACCESS_RIGHT_MASK)  \
	C(ACRN_MEM_TYPE_WB)            \
	C(ACRN_MEM_TYPE_WT)            \
	C(ACRN_MEM_TYPE_UC)            \
	C(ACRN_MEM_TYPE_WC)            \
	C(ACRN_MEM_TYPE_WP)            \
	C(ACRN_MEM_TYPE_MASK)

#define LAYOUT_SIZE_ROW(s)     { "sizeof " #s, sizeof(struct s) },
#define LAYOUT_FIELD_ROW(s, f) { #s "." #f, offsetof(struct s, f) },
#define LAYOUT_CONST_ROW(c)    { #c, (uint64_t)(c) },
#define LAYOUT_ROWS                     \
	LAYOUT_STRUCTS(LAYOUT_SIZE_ROW) \
	LAYOUT_FIELDS(LAYOUT_FIELD_ROW) LAYOUT_CONSTS(LAYOUT_CONST_ROW)

extern const struct layout_row api_rows[], uapi_rows[];
extern const size_t nr_api_rows, nr_uapi_rows;

#endif
