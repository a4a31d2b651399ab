/*
 * ops.h - the IR opcodes, one X-macro list (cproc/QBE style), included for
 * the enum, the text names and the operand properties.
 *
 * X(NAME, "text", dst, fallible)
 *   dst: D_NONE no result, D_OWN an owned value register, D_BORROW a borrowed
 *        value register (may hold ASLRT_ABSENT), D_BOOL a boolean register.
 *   fallible: the op may fail; on failure control goes to the state's
 *        error handler (Retry/Catch).
 * Operands a, b, c: see docs/ir.md.
 */
X(ENTER, "enter", D_NONE, 1)	      /* state=c; a: input                        */
X(CONST, "const", D_OWN, 0)	      /* k: JSON constant                         */
X(FIELD, "field", D_BORROW, 0)	      /* a: value; k: string constant (key)       */
X(INDEX, "index", D_BORROW, 0)	      /* a: value; b: index                       */
X(CONTEXT, "context", D_BORROW, 0)    /* the Context object                       */
X(VAR, "var", D_BORROW, 0)	      /* k: string constant (variable name)      */
X(REQUIRE, "require", D_OWN, 1)	      /* a: selected or absent; b: root; k: path  */
X(NEED, "need", D_NONE, 1)	      /* a: selected or absent; k: a Choice's path */
X(PATH, "path", D_OWN, 1)	      /* a: input; k: path                        */
X(COPY, "copy", D_OWN, 0)	      /* a: value                                 */
X(OBJECT, "object", D_OWN, 0)	      /* a new empty object (a payload template's)  */
X(ARRAY, "array", D_OWN, 0)	      /* a new empty array                         */
X(SETKEY, "setkey", D_NONE, 0)	      /* a: object; b: value (moved); k: string (key) */
X(PUSH, "push", D_NONE, 0)	      /* a: array; b: value (moved)                */
X(EXPR, "expr", D_OWN, 1)	      /* a: input; k: expr (dynamic path, intrinsic) */
X(LIT, "lit", D_BORROW, 0)	      /* k: JSON constant, shared read only        */
X(ARG, "arg", D_NONE, 0)	      /* a: the next argument of the call below; k:
				       * its raw text (Format's template) or -1 */
X(CALL, "call", D_OWN, 1)	      /* b: intrinsic (ASLRT_FN_*); c: its args, the
				       * c ops before it; k: the field's text    */
X(RESULTPATH, "resultpath", D_OWN, 1) /* a: raw input; b: result; k: ref path     */
X(ASSIGN, "assign", D_NONE, 1)	      /* a: the Assign template's value: set them */
X(JEVAL, "jeval", D_OWN, 1)	      /* a: $states.input; b: $states.result or -1; k */
X(JASSIGN, "jassign", D_NONE, 1)      /* a: $states.input; b: $states.result or -1; k */
X(JCOND, "jcond", D_BOOL, 1)	      /* a: $states.input; k: a JSONata Condition   */
X(TASK, "task", D_OWN, 1)	      /* a: effective input; state=c              */
X(WAIT, "wait", D_NONE, 1)	      /* a: effective input; state=c              */
X(PARALLEL, "parallel", D_OWN, 1)     /* a: effective input; state=c              */
X(MAP, "map", D_OWN, 1)		      /* a: effective input; state=c              */
X(FAIL, "fail", D_NONE, 1)	      /* a: effective input; state=c (always fails) */
X(NOMATCH, "nomatch", D_NONE, 1)      /* state=c (always fails)                    */
X(TEST, "test", D_BOOL, 1)	      /* a: value; b: comparison; k: operand; c: the
				       * operand path's value for ...Path, else -1 */
X(NOT, "not", D_BOOL, 0)	      /* a: boolean                               */
X(JUMPIF, "jumpif", D_NONE, 0)	      /* a: boolean; b: label (taken when true)  */
X(JUMPIFNOT, "jumpifnot", D_NONE, 0)  /* a: boolean; b: label (taken when false) */
X(SETB, "setb", D_BOOL, 0)	      /* b: 0 or 1                                */
X(MOVB, "movb", D_BOOL, 0)	      /* a: boolean                               */
X(LABEL, "label", D_NONE, 0)	      /* b: label                                 */
X(NEXT, "next", D_NONE, 0)	      /* a: output (moved); b: next state         */
X(END, "end", D_NONE, 0)	      /* a: output (moved): the scope's result    */
