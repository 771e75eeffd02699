" Vim syntax file for tirc's tensor DSL and schedule language (.tir).
" Install: copy (or symlink) editors/vim/syntax and editors/vim/ftdetect into ~/.vim/.
if exists("b:current_syntax")
  finish
endif

syn keyword tirDeclaration func let alloc import schedule
syn keyword tirControl     for in where init block
syn keyword tirKeyword     grid range spatial reduce opaque parallel vectorized unrolled bind annotate align
syn keyword tirScope       global shared local
syn keyword tirType        bool i8 i16 i32 i64 u8 u16 u32 u64 f16 bf16 f32 f64
syn keyword tirConstant    true false inf nan

syn match tirPrimitive "\<\(get_block\|loops\|get_loops\|split\|fuse\|reorder\|tile\|parallel\|vectorize\|unroll\|cache_read\|cache_write\|set_scope\|storage_align\|compute_inline\|reverse_compute_inline\|rfactor\|decompose_reduction\|compute_at\|reverse_compute_at\|transform_layout\)\>\ze\s*("
syn match tirReducer   "\<\(sum\|prod\|max\|min\|argmax\|argmin\)\>\ze\s*[[(]"
syn match tirMath      "\<\(exp\|exp2\|log\|log2\|sqrt\|rsqrt\|tanh\|erf\|sigmoid\|floor\|ceil\|abs\|pow\|select\)\>\ze\s*("
syn match tirThread    "\<\(blockIdx\|threadIdx\)\.[xyz]\>"
syn match tirFuncName  "\(\<\(func\|schedule\)\s\+\)\@<=\h\w*"

syn match tirNumber    "\<0x\x\+\>"
syn match tirNumber    "\<\d\+\>"
syn match tirFloat     "\<\d\+\(\.\d\+\([eE][+-]\=\d\+\)\=\|[eE][+-]\=\d\+\)\>"

syn match tirOperator  "->\|\*\*\|\.\.\|||\|&&\|==\|!=\|<=\|>=\|[-+*/%<>!=]"

syn region tirString   start=+"+ skip=+\\.+ end=+"+ contains=tirEscape
syn match  tirEscape   "\\." contained
syn match  tirComment  "//.*$" contains=@Spell
syn region tirComment  start="/\*" end="\*/" contains=@Spell

hi def link tirDeclaration Statement
hi def link tirControl     Repeat
hi def link tirKeyword     Keyword
hi def link tirScope       StorageClass
hi def link tirType        Type
hi def link tirConstant    Constant
hi def link tirPrimitive   Function
hi def link tirReducer     Function
hi def link tirMath        Function
hi def link tirThread      Identifier
hi def link tirFuncName    Function
hi def link tirNumber      Number
hi def link tirFloat       Float
hi def link tirOperator    Operator
hi def link tirString      String
hi def link tirEscape      SpecialChar
hi def link tirComment     Comment

let b:current_syntax = "tir"
