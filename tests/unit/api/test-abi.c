/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The api headers against ACRN v3.3 facts that _Static_assert cannot see:
 * hypercall ids, encodings, and (when the system has it) the HSM driver's
 * uapi header <linux/acrn.h>, field by field.
 */
#include <acrn/hypercall.h>
#include <acrn/ioreq.h>
#include <acrn/irq.h>
#include <acrn/memory.h>
#include <acrn/sbuf.h>
#include <acrn/vm.h>
#include <glib.h>
#include <string.h>

#include "layout.h"

static void test_ids(void)
{
	/* Low bytes as ACRN v3.3's acrn_hv_defs.h assigns them. */
	static const struct {
		uint64_t id, low;
	} ids[] = {
		{ HC_GET_API_VERSION, 0x00 },
		{ HC_SERVICE_VM_OFFLINE_CPU, 0x01 },
		{ HC_SET_CALLBACK_VECTOR, 0x02 },
		{ HC_CREATE_VM, 0x10 },
		{ HC_DESTROY_VM, 0x11 },
		{ HC_START_VM, 0x12 },
		{ HC_PAUSE_VM, 0x13 },
		{ HC_CREATE_VCPU, 0x14 },
		{ HC_RESET_VM, 0x15 },
		{ HC_SET_VCPU_REGS, 0x16 },
		{ HC_INJECT_MSI, 0x23 },
		{ HC_VM_INTR_MONITOR, 0x24 },
		{ HC_SET_IRQLINE, 0x25 },
		{ HC_SET_IOREQ_BUFFER, 0x30 },
		{ HC_NOTIFY_REQUEST_FINISH, 0x31 },
		{ HC_ASYNCIO_ASSIGN, 0x32 },
		{ HC_ASYNCIO_DEASSIGN, 0x33 },
		{ HC_VM_GPA2HPA, 0x41 },
		{ HC_VM_SET_MEMORY_REGIONS, 0x42 },
		{ HC_VM_WRITE_PROTECT_PAGE, 0x43 },
		{ HC_SETUP_SBUF, 0x44 },
		{ HC_ASSIGN_PTDEV, 0x50 },
		{ HC_DEASSIGN_PTDEV, 0x51 },
		{ HC_VM_PCI_MSIX_REMAP, 0x52 },
		{ HC_SET_PTDEV_INTR_INFO, 0x53 },
		{ HC_RESET_PTDEV_INTR_INFO, 0x54 },
		{ HC_ASSIGN_PCIDEV, 0x55 },
		{ HC_DEASSIGN_PCIDEV, 0x56 },
		{ HC_ASSIGN_MMIODEV, 0x57 },
		{ HC_DEASSIGN_MMIODEV, 0x58 },
		{ HC_ADD_VDEV, 0x59 },
		{ HC_REMOVE_VDEV, 0x5A },
		{ HC_ASSIGN_PIO_REGION, 0x5B },
		{ HC_DEASSIGN_PIO_REGION, 0x5C },
		{ HC_SETUP_HV_NPK_LOG, 0x61 },
		{ HC_PROFILING_OPS, 0x62 },
		{ HC_GET_HW_INFO, 0x63 },
		{ HC_INITIALIZE_TRUSTY, 0x70 },
		{ HC_WORLD_SWITCH, 0x71 },
		{ HC_SAVE_RESTORE_SWORLD_CTX, 0x72 },
		{ HC_PM_GET_CPU_STATE, 0x80 },
		{ HC_TEE_VCPU_BOOT_DONE, 0x90 },
		{ HC_SWITCH_EE, 0x91 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
		g_assert_cmphex(ids[i].id, ==, 0x80000000ULL | ids[i].low);
		g_assert_cmphex(HC_IDX(ids[i].id), ==, ids[i].low);
	}
	g_assert_cmpuint(HV_API_MAJOR_VERSION, ==, 1);
	g_assert_cmpuint(HV_API_MINOR_VERSION, ==, 0);
}

static void test_cpuid(void)
{
	char sig[13] = { 0 };
	uint32_t r = ACRN_CPUID_SIGNATURE_REG;

	for (int i = 0; i < 3; i++)
		memcpy(sig + 4 * i, &r, 4);
	g_assert_cmpstr(sig, ==, "ACRNACRNACRN");
	g_assert_cmphex(ACRN_CPUID_MAX_LEAF, ==, 0x40000010);
	g_assert_cmphex(GUEST_CAPS_PRIVILEGE_VM, ==, 1);
}

static void test_irqline(void)
{
	/* The hypervisor reads parameter 2's bytes as struct acrn_irqline_ops. */
	uint64_t p = ACRN_IRQLINE_PARAM(9, GSI_RAISING_PULSE);
	struct acrn_irqline_ops ops;

	memcpy(&ops, &p, sizeof(ops));
	g_assert_cmpuint(ops.gsi, ==, 9);
	g_assert_cmpuint(ops.op, ==, GSI_RAISING_PULSE);
	g_assert_cmpuint(ACRN_IRQLINE_GSI(p), ==, 9);
	g_assert_cmpuint(ACRN_IRQLINE_OP(p), ==, GSI_RAISING_PULSE);
}

static void test_ioreq_page(void)
{
	struct acrn_io_request_buffer page;

	g_assert_cmpuint(sizeof(page.req_slot) / sizeof(page.req_slot[0]), ==, 16);
	g_assert_cmpuint((uintptr_t)&page.req_slot[1] - (uintptr_t)&page, ==, 256);
	g_assert_cmpuint(ACRN_MEMORY_REGIONS_MAX, ==, 128);
	g_assert_cmpuint(GUEST_FLAG_VTM, ==, 1ULL << 13);
}

static void test_uapi(void)
{
#ifdef HAVE_LINUX_ACRN_H
	g_assert_cmpuint(nr_api_rows, ==, nr_uapi_rows);
	for (size_t i = 0; i < nr_api_rows; i++) {
		g_assert_cmpstr(api_rows[i].name, ==, uapi_rows[i].name);
		if (api_rows[i].value != uapi_rows[i].value)
			g_error("%s: ours %" G_GUINT64_FORMAT ", <linux/acrn.h> %" G_GUINT64_FORMAT,
			        api_rows[i].name, api_rows[i].value, uapi_rows[i].value);
	}
#else
	g_test_skip("<linux/acrn.h> not installed");
#endif
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/api/ids", test_ids);
	g_test_add_func("/api/cpuid", test_cpuid);
	g_test_add_func("/api/irqline", test_irqline);
	g_test_add_func("/api/ioreq-page", test_ioreq_page);
	g_test_add_func("/api/uapi-layout", test_uapi);
	return g_test_run();
}
