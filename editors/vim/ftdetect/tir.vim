" tirc's .tir files
autocmd BufRead,BufNewFile *.tir setfiletype tir
