/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ACRN hypercall ABI, pinned to ACRN v3.3: ids, API version, CPUID
 * discovery and the calling convention. Shared by the hypervisor, acrn-dm,
 * acrnd and host tests, so it needs nothing beyond <stdint.h>.
 *
 * Calling convention (x86): the id in R8, parameter 1 in RDI, parameter 2 in
 * RSI, VMCALL (Intel) or VMMCALL (AMD) from ring 0; the result, 0 or a
 * negative errno, comes back in RAX and no other register changes.
 * RISC-V: an ecall to SBI extension ACRN_SBI_EXT_HYPERCALL with the id in
 * a6, the parameters in a0/a1; a0 is the SBI error, a1 the result.
 *
 * Per-VM calls name their target with a VM id relative to the Service VM
 * (0 is the Service VM itself), in parameter 1 unless the call says
 * otherwise; argument structures are passed by Service VM guest-physical
 * address.
 */
#ifndef ACRN_HYPERCALL_H
#define ACRN_HYPERCALL_H

#include <stdint.h>

/* Every id is 0x80 in bits 31:24 and an index in bits 7:0. */
#define HC_ID            0x80UL
#define BASE_HC_ID(x, y) (((x) << 24U) | (y))
#define HC_IDX(id)       ((id)&0xFFUL)

/* General */
#define HC_ID_GEN_BASE            0x00UL
#define HC_GET_API_VERSION        BASE_HC_ID(HC_ID, HC_ID_GEN_BASE + 0x00UL)
#define HC_SERVICE_VM_OFFLINE_CPU BASE_HC_ID(HC_ID, HC_ID_GEN_BASE + 0x01UL)
#define HC_SET_CALLBACK_VECTOR    BASE_HC_ID(HC_ID, HC_ID_GEN_BASE + 0x02UL)

/*
 * VM management. Our one extension (api/README.md): ACRN starts only a
 * CREATED VM; HC_START_VM on a PAUSED one resumes it where it stopped.
 */
#define HC_ID_VM_BASE    0x10UL
#define HC_CREATE_VM     BASE_HC_ID(HC_ID, HC_ID_VM_BASE + 0x00UL)
#define HC_DESTROY_VM    BASE_HC_ID(HC_ID, HC_ID_VM_BASE + 0x01UL)
#define HC_START_VM      BASE_HC_ID(HC_ID, HC_ID_VM_BASE + 0x02UL)
#define HC_PAUSE_VM      BASE_HC_ID(HC_ID, HC_ID_VM_BASE + 0x03UL)
#define HC_CREATE_VCPU   BASE_HC_ID(HC_ID, HC_ID_VM_BASE + 0x04UL)
#define HC_RESET_VM      BASE_HC_ID(HC_ID, HC_ID_VM_BASE + 0x05UL)
#define HC_SET_VCPU_REGS BASE_HC_ID(HC_ID, HC_ID_VM_BASE + 0x06UL)

/* Interrupts */
#define HC_ID_IRQ_BASE     0x20UL
#define HC_INJECT_MSI      BASE_HC_ID(HC_ID, HC_ID_IRQ_BASE + 0x03UL)
#define HC_VM_INTR_MONITOR BASE_HC_ID(HC_ID, HC_ID_IRQ_BASE + 0x04UL)
#define HC_SET_IRQLINE     BASE_HC_ID(HC_ID, HC_ID_IRQ_BASE + 0x05UL)

/* ioreq */
#define HC_ID_IOREQ_BASE         0x30UL
#define HC_SET_IOREQ_BUFFER      BASE_HC_ID(HC_ID, HC_ID_IOREQ_BASE + 0x00UL)
#define HC_NOTIFY_REQUEST_FINISH BASE_HC_ID(HC_ID, HC_ID_IOREQ_BASE + 0x01UL)
#define HC_ASYNCIO_ASSIGN        BASE_HC_ID(HC_ID, HC_ID_IOREQ_BASE + 0x02UL)
#define HC_ASYNCIO_DEASSIGN      BASE_HC_ID(HC_ID, HC_ID_IOREQ_BASE + 0x03UL)

/* Guest memory */
#define HC_ID_MEM_BASE           0x40UL
#define HC_VM_GPA2HPA            BASE_HC_ID(HC_ID, HC_ID_MEM_BASE + 0x01UL)
#define HC_VM_SET_MEMORY_REGIONS BASE_HC_ID(HC_ID, HC_ID_MEM_BASE + 0x02UL)
#define HC_VM_WRITE_PROTECT_PAGE BASE_HC_ID(HC_ID, HC_ID_MEM_BASE + 0x03UL)
#define HC_SETUP_SBUF            BASE_HC_ID(HC_ID, HC_ID_MEM_BASE + 0x04UL)

/* PCI and device assignment (0x50-0x52 are legacy ids without a handler in v3.3) */
#define HC_ID_PCI_BASE           0x50UL
#define HC_ASSIGN_PTDEV          BASE_HC_ID(HC_ID, HC_ID_PCI_BASE + 0x00UL)
#define HC_DEASSIGN_PTDEV        BASE_HC_ID(HC_ID, HC_ID_PCI_BASE + 0x01UL)
#define HC_VM_PCI_MSIX_REMAP     BASE_HC_ID(HC_ID, HC_ID_PCI_BASE + 0x02UL)
#define HC_SET_PTDEV_INTR_INFO   BASE_HC_ID(HC_ID, HC_ID_PCI_BASE + 0x03UL)
#define HC_RESET_PTDEV_INTR_INFO BASE_HC_ID(HC_ID, HC_ID_PCI_BASE + 0x04UL)
#define HC_ASSIGN_PCIDEV         BASE_HC_ID(HC_ID, HC_ID_PCI_BASE + 0x05UL)
#define HC_DEASSIGN_PCIDEV       BASE_HC_ID(HC_ID, HC_ID_PCI_BASE + 0x06UL)
#define HC_ASSIGN_MMIODEV        BASE_HC_ID(HC_ID, HC_ID_PCI_BASE + 0x07UL)
#define HC_DEASSIGN_MMIODEV      BASE_HC_ID(HC_ID, HC_ID_PCI_BASE + 0x08UL)
#define HC_ADD_VDEV              BASE_HC_ID(HC_ID, HC_ID_PCI_BASE + 0x09UL)
#define HC_REMOVE_VDEV           BASE_HC_ID(HC_ID, HC_ID_PCI_BASE + 0x0AUL)
/* At the v3.3 tag and on release_3.3 only; master dropped them. */
#define HC_ASSIGN_PIO_REGION   BASE_HC_ID(HC_ID, HC_ID_PCI_BASE + 0x0BUL)
#define HC_DEASSIGN_PIO_REGION BASE_HC_ID(HC_ID, HC_ID_PCI_BASE + 0x0CUL)

/* Debug */
#define HC_ID_DBG_BASE      0x60UL
#define HC_SETUP_HV_NPK_LOG BASE_HC_ID(HC_ID, HC_ID_DBG_BASE + 0x01UL)
#define HC_PROFILING_OPS    BASE_HC_ID(HC_ID, HC_ID_DBG_BASE + 0x02UL)
#define HC_GET_HW_INFO      BASE_HC_ID(HC_ID, HC_ID_DBG_BASE + 0x03UL)

/* Trusty: only from a VM with GUEST_FLAG_SECURE_WORLD_ENABLED */
#define HC_ID_TRUSTY_BASE          0x70UL
#define HC_INITIALIZE_TRUSTY       BASE_HC_ID(HC_ID, HC_ID_TRUSTY_BASE + 0x00UL)
#define HC_WORLD_SWITCH            BASE_HC_ID(HC_ID, HC_ID_TRUSTY_BASE + 0x01UL)
#define HC_SAVE_RESTORE_SWORLD_CTX BASE_HC_ID(HC_ID, HC_ID_TRUSTY_BASE + 0x02UL)

/* Power management */
#define HC_ID_PM_BASE       0x80UL
#define HC_PM_GET_CPU_STATE BASE_HC_ID(HC_ID, HC_ID_PM_BASE + 0x00UL)

/* TEE/REE: BOOT_DONE only from a GUEST_FLAG_TEE VM, SWITCH_EE from TEE or REE */
#define HC_ID_TEE_BASE        0x90UL
#define HC_TEE_VCPU_BOOT_DONE BASE_HC_ID(HC_ID, HC_ID_TEE_BASE + 0x00UL)
#define HC_SWITCH_EE          BASE_HC_ID(HC_ID, HC_ID_TEE_BASE + 0x01UL)

/*
 * HC_PM_GET_CPU_STATE parameter 1: the target VM (relative id), vCPU,
 * state index and request type packed in one word.
 */
#define PMCMD_VMID_MASK        0xff000000U
#define PMCMD_VCPUID_MASK      0x00ff0000U
#define PMCMD_STATE_NUM_MASK   0x0000ff00U
#define PMCMD_TYPE_MASK        0x000000ffU
#define PMCMD_VMID_SHIFT       24U
#define PMCMD_VCPUID_SHIFT     16U
#define PMCMD_STATE_NUM_SHIFT  8U
#define ACRN_PMCMD_GET_PX_CNT  0U
#define ACRN_PMCMD_GET_PX_DATA 1U
#define ACRN_PMCMD_GET_CX_CNT  2U
#define ACRN_PMCMD_GET_CX_DATA 3U

/* The API version HC_GET_API_VERSION reports (ACRN's hypervisor/Makefile). */
#define HV_API_MAJOR_VERSION 1U
#define HV_API_MINOR_VERSION 0U

/* HC_GET_API_VERSION writes this to the guest-physical address in parameter 1. */
struct hc_api_version {
	uint32_t major_version;
	uint32_t minor_version;
} __attribute__((aligned(8)));

_Static_assert(sizeof(struct hc_api_version) == 8, "hc_api_version size");
_Static_assert(__builtin_offsetof(struct hc_api_version, major_version) == 0, "major_version");
_Static_assert(__builtin_offsetof(struct hc_api_version, minor_version) == 4, "minor_version");

/* A VM id that names no VM (e.g. HC_CREATE_VM found no free slot). */
#define ACRN_INVALID_VMID 0xffffU
#define ACRN_INVALID_HPA  (~0ULL)

/*
 * Upcall vector the hypervisor injects into the Service VM when an ioreq
 * or asyncio entry is pending; HC_SET_CALLBACK_VECTOR changes it.
 */
#define HYPERVISOR_CALLBACK_HSM_VECTOR 0xF3U

/*
 * CPUID discovery (x86). The HSM driver loads only if leaf 0x40000000
 * carries the signature and leaf 0x40000001 EAX has GUEST_CAPS_PRIVILEGE_VM.
 */
#define ACRN_CPUID_SIGNATURE     0x40000000U /* EAX = max hypervisor leaf, EBX:ECX:EDX = signature */
#define ACRN_CPUID_FEATURES      0x40000001U /* EAX = guest capability flags */
#define ACRN_CPUID_TIMING_INFO   0x40000010U /* EAX = TSC frequency in kHz */
#define ACRN_CPUID_MAX_LEAF      ACRN_CPUID_TIMING_INFO
#define ACRN_CPUID_SIGNATURE_REG 0x4E524341U /* "ACRN" in each of EBX, ECX, EDX */
#define GUEST_CAPS_PRIVILEGE_VM  (1U << 0U)

/*
 * RISC-V: not in ACRN v3.3 (its RISC-V port has no hypercalls yet). Our
 * choice, in the SBI firmware-specific extension range 0x0A000000-0x0AFFFFFF.
 */
#define ACRN_SBI_EXT_HYPERCALL 0x0A000ACEUL

#endif
