// The Python interpreter of an AddressSanitizer build's Python tests (NCE_SANITIZE=address...):
// CPython's own main loop (Py_RunMain), linked into an executable that carries the ASan runtime.
//
// Why not `LD_PRELOAD=libasan.so python3`: a preloaded runtime is not ASan's supported set-up,
// and on Debian 12 it lost track of the main thread's stack (the warning "ASan is ignoring
// requested __asan_handle_no_return: stack type: default top: 0x000000000000"). It then cannot
// clear the redzones of the frames a C++ exception unwinds, and a later call that reuses that
// stack reports a stack-buffer-overflow that is not there (python.module did, in
// workloads::workload_from_yaml, after the tests whose errors cross into Python as exceptions).
// Linked here, the runtime starts before anything else and knows the stack.
//
// Contract: behaves as the interpreter NCE_PYTHON_HOME/bin/python3 given the same arguments
// (same standard library and site-packages: home is set, so the build directory is never searched
// for them), and sys.executable is this program, so a test that starts `sys.executable` gets the
// sanitized interpreter again.
#include <Python.h>

int main(int argc, char** argv) {
  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  PyStatus status = PyConfig_SetBytesString(&config, &config.home, NCE_PYTHON_HOME);
  if (!PyStatus_Exception(status)) {
    status = PyConfig_SetBytesArgv(&config, argc, argv);
  }
  if (!PyStatus_Exception(status)) {
    status = Py_InitializeFromConfig(&config);
  }
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) {
    Py_ExitStatusException(status);
  }
  return Py_RunMain();
}
