/* The child of the Ctrl-C test under Wine (tests/e2e/windows_wine.rs). Wine's console does
 * not turn a Ctrl-C typed on its terminal into CTRL_C_EVENT (tried), so this program sends
 * the event itself, as the console would on a key press: GenerateConsoleCtrlEvent to
 * process group 0, every process on the console (its parent otpilot.exe included). It
 * exits with 42 once its own handler saw the event, 44 when none came within a minute.
 * With "parent" it is a parent with Windows' default handling instead: it runs itself as
 * its child and says whether it survived the event. Test code only. */
#include <windows.h>
#include <stdio.h>
#include <string.h>

static HANDLE got;

static BOOL WINAPI on_ctrl(DWORD event) {
  if (event != CTRL_C_EVENT) return FALSE;
  SetEvent(got);
  return TRUE;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "parent") == 0) {
    STARTUPINFOA si = {sizeof si};
    PROCESS_INFORMATION pi;
    char line[MAX_PATH + 8];
    snprintf(line, sizeof line, "\"%s\"", argv[0]);
    if (!CreateProcessA(NULL, line, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) return 45;
    printf("the parent started its child\n");
    fflush(stdout);
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 0;
    GetExitCodeProcess(pi.hProcess, &code);
    printf("the parent survived; its child exited with %lu\n", code);
    return 0;
  }
  got = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (!got || !SetConsoleCtrlHandler(on_ctrl, TRUE)) return 43;
  if (!GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0)) {
    printf("GenerateConsoleCtrlEvent failed (%lu): no console\n", GetLastError());
    return 46;
  }
  if (WaitForSingleObject(got, 60000) != WAIT_OBJECT_0) {
    printf("no ctrl-c came\n");
    return 44;
  }
  printf("the child got ctrl-c\n");
  fflush(stdout);
  return 42;
}
