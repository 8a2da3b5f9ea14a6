// The Python interpreter of an AddressSanitizer build's Python tests (NCE_SANITIZE=address...):
// CPython's own main loop (Py_RunMain), linked into an executable that carries the ASan runtime.
//
// Why not `LD_PRELOAD=libasan.so python3`: ASan's runtime must be the first library loaded, and
// preloaded into an interpreter that was not linked with it, it is a set-up ASan does not support:
// its __cxa_throw interceptor also needed libstdc++ preloaded beside it. Linked here, the runtime
// starts before anything else, as in every other binary of a sanitizer build.
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
