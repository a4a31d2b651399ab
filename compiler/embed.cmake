# Turn a text file (IN) into a C string literal (OUT), for report.c's inline
# CSS and script: cmake -DIN=report.js -DOUT=report_js.inc -P embed.cmake
file(READ "${IN}" text)
string(REPLACE "\\" "\\\\" text "${text}")
string(REPLACE "\"" "\\\"" text "${text}")
string(REPLACE "\n" "\\n\"\n\"" text "${text}")
file(WRITE "${OUT}" "\"${text}\"\n")
